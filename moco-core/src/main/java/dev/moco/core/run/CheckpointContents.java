package dev.moco.core.run;

import dev.moco.api.Encoder;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.TensorRestore;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.augment.Normalize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a pretraining checkpoint records besides its tensors, and how to read it: the whole
 * configuration ({@code config.*}, so a resumed run needs no flags), the query encoder's
 * description ({@code encoder.*}), the data's size, source and fingerprint, and the evaluation
 * normalisation. {@link Pretraining} writes these; commands that start from a checkpoint
 * (evaluation, export, transfer) read them here.
 *
 * <pre>{@code
 * Checkpoint c = CheckpointDirectory.load(Path.of("runs/v2"));
 * Map<String, String> settings = CheckpointContents.configuration(c);
 * Normalize normalize = CheckpointContents.normalize(c);
 * }</pre>
 */
public final class CheckpointContents {

    /** The prefix of the whole configuration's keys, e.g. {@code config.queue.size}. */
    public static final String CONFIG_PREFIX = "config.";
    /** The prefix of the query encoder's description, e.g. {@code encoder.architecture}. */
    public static final String ENCODER_PREFIX = "encoder.";
    /** The number of training images, which fixes the steps per epoch and a memory bank's rows. */
    public static final String DATA_SIZE = "data.size";
    /** The per-channel means of the evaluation normalisation, comma-separated. */
    public static final String NORMALIZE_MEAN = "normalize.mean";
    /** The per-channel standard deviations of the evaluation normalisation, comma-separated. */
    public static final String NORMALIZE_STD = "normalize.std";
    /** Where the training images came from, for the record. */
    public static final String DATA_SOURCE = "data.source";
    /** What identifies the training images, so that a resumed run can warn when given others. */
    public static final String DATA_FINGERPRINT = "data.fingerprint";
    /**
     * The number of workers W of the data-parallel run that wrote the checkpoint (1: one
     * process), for the record: the state is the single process's, so a run of any W resumes it.
     */
    public static final String WORKERS = "data-parallel.workers";
    /** The prefix of the sums of the epoch in progress, recorded by a mid-epoch checkpoint. */
    public static final String EPOCH_TOTALS_PREFIX = "epoch-totals.";

    private CheckpointContents() {}

    /**
     * The settings of {@code config} that differ from those the checkpoint was written with,
     * as {@code key=now (checkpoint: before)}; {@code epochs} is not counted.
     *
     * @param checkpoint a checkpoint
     * @param config the configuration of the run that resumes it
     * @return the differences, in the configuration's key order
     */
    public static List<String> settingsThatDiffer(Checkpoint checkpoint, MocoConfig config) {
        Map<String, String> saved = configuration(checkpoint);
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, String> e : config.asMap().entrySet()) {
            String before = saved.get(e.getKey());
            if (before != null && !before.trim().equals(e.getValue().trim()) && !e.getKey().equals(MocoConfig.EPOCHS)) {
                diffs.add(e.getKey() + "=" + e.getValue() + " (checkpoint: " + before + ")");
            }
        }
        return diffs;
    }

    /**
     * @param checkpoint a checkpoint
     * @return the configuration recorded in it
     */
    public static Map<String, String> configuration(Checkpoint checkpoint) {
        return withPrefix(checkpoint, CONFIG_PREFIX);
    }

    /**
     * @param checkpoint a checkpoint
     * @return what it records of the query encoder's architecture
     */
    public static EncoderDescription encoderDescription(Checkpoint checkpoint) {
        return new EncoderDescription(withPrefix(checkpoint, ENCODER_PREFIX));
    }

    /**
     * @param checkpoint a checkpoint
     * @return the evaluation normalisation recorded in it
     */
    public static Normalize normalize(Checkpoint checkpoint) {
        return new Normalize(floats(checkpoint.requireProperty(NORMALIZE_MEAN)), floats(checkpoint.requireProperty(NORMALIZE_STD)));
    }

    /**
     * Copies the query encoder's parameters and buffers from {@code checkpoint} into {@code encoder}.
     *
     * @param checkpoint a checkpoint
     * @param encoder an encoder of the architecture the checkpoint was written for
     * @throws dev.moco.core.checkpoint.CheckpointException naming the tensor and both shapes if it does not fit
     */
    public static void restoreQueryEncoder(Checkpoint checkpoint, Encoder encoder) {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> live = new LinkedHashMap<>();
        live.put("parameters", encoder.parameters());
        live.put("buffers", encoder.buffers());
        TensorRestore.copy(Checkpoint.QUERY_ENCODER, live, checkpoint.component(Checkpoint.QUERY_ENCODER));
    }

    /**
     * @param normalize the evaluation transform of a run
     * @return the checkpoint properties {@code normalize(Checkpoint)} reads it back from
     */
    public static Map<String, String> normalizeProperties(Normalize normalize) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(NORMALIZE_MEAN, join(normalize.mean()));
        properties.put(NORMALIZE_STD, join(normalize.std()));
        return properties;
    }

    /**
     * @param checkpoint a checkpoint
     * @param prefix a property prefix such as {@link #CONFIG_PREFIX}
     * @return the properties under {@code prefix}, by their names without it, sorted
     */
    public static Map<String, String> withPrefix(Checkpoint checkpoint, String prefix) {
        Map<String, String> values = new TreeMap<>();
        checkpoint.properties().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                values.put(k.substring(prefix.length()), v);
            }
        });
        return values;
    }

    private static String join(float[] values) {
        StringBuilder s = new StringBuilder();
        for (float v : values) {
            s.append(s.length() == 0 ? "" : ",").append(v);
        }
        return s.toString();
    }

    private static float[] floats(String text) {
        double[] d = Arrays.stream(text.split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /**
     * @param checkpoint a checkpoint
     * @return what identifies the data it was trained on, if it records that
     */
    public static Optional<String> dataFingerprint(Checkpoint checkpoint) {
        return checkpoint.property(DATA_FINGERPRINT);
    }
}
