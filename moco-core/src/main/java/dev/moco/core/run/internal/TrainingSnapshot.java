package dev.moco.core.run.internal;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointException;
import dev.moco.core.checkpoint.TensorRestore;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.EncoderDescription;
import dev.moco.core.run.CheckpointContents;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.wiring.TrainingData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns a {@link AssembledRun} into a {@link Checkpoint} and back. A checkpoint holds:
 *
 * <ul>
 *   <li>tensors {@code query-encoder/parameters}, {@code query-encoder/buffers} (BN
 *       statistics), {@code optimizer/state} (momentum), and every entry of
 *       {@code Dictionary.state()} under {@code dictionary/} (queue or bank, pointer, and the
 *       momentum key encoder's parameters and buffers);
 *   <li>properties {@code config.*} (the whole configuration, so a resumed run needs no
 *       flags), {@code encoder.*} (the {@link EncoderDescription}), {@code data.size},
 *       {@code normalize.mean}/{@code normalize.std} (the evaluation transform),
 *       {@code seed} and, for the record only, {@code data-parallel.workers} (W; the state is
 *       the single process's whatever W, so any W resumes it).
 * </ul>
 *
 * The position (epoch, step in epoch, global step) fixes the learning-rate schedule and, with
 * the seed, every random choice of the data loader and the dictionaries, which derive their
 * randomness from (seed, epoch, step, index) rather than from a stateful generator.
 */
public final class TrainingSnapshot {

    private TrainingSnapshot() {}

    /**
     * The checkpoint of {@code setup} at {@code position}; tensors are live views (write it before the next step).
     *
     * @param setup the run
     * @param position where it stands
     * @param dataSource where its images come from, for the record
     * @return the checkpoint
     */
    public static Checkpoint capture(AssembledRun setup, TrainingPosition position, String dataSource) {
        return capture(setup, position, dataSource, null, new EpochAccumulator());
    }

    /**
     * As {@link #capture(AssembledRun, TrainingPosition, String)}, also recording the data's
     * fingerprint (null: none) and the totals of the epoch in progress.
     *
     * @param setup the run
     * @param position where it stands
     * @param dataSource where its images come from, for the record
     * @param dataFingerprint what identifies the data ({@link TrainingData#fingerprint}), or null
     * @param epochTotals the sums of the epoch in progress
     * @return the checkpoint
     */
    public static Checkpoint capture(AssembledRun setup, TrainingPosition position, String dataSource,
            String dataFingerprint, EpochAccumulator epochTotals) {
        Normalize normalize = setup.data().normalize();
        Checkpoint.Builder b = Checkpoint.builder(position)
                .properties(CheckpointContents.CONFIG_PREFIX, setup.config().asMap())
                .properties(CheckpointContents.ENCODER_PREFIX, setup.encoder().properties())
                .property(CheckpointContents.DATA_SIZE, Long.toString(setup.datasetSize()))
                .property(CheckpointContents.DATA_SOURCE, dataSource)
                .properties("", CheckpointContents.normalizeProperties(normalize))
                .property("seed", setup.config().getString(MocoConfig.SEED))
                .property(CheckpointContents.WORKERS, Integer.toString(setup.trainer().collective().workers()))
                .tensor(Checkpoint.QUERY_ENCODER, "parameters", setup.queryEncoder().parameters())
                .tensor(Checkpoint.QUERY_ENCODER, "buffers", setup.queryEncoder().buffers())
                .tensor(Checkpoint.OPTIMIZER, "state", setup.trainer().optimizer().state());
        b.tensors(Checkpoint.DICTIONARY, setup.dictionary().state());
        if (dataFingerprint != null) {
            b.property(CheckpointContents.DATA_FINGERPRINT, dataFingerprint);
        }
        if (position.stepInEpoch() > 0) {
            b.properties(CheckpointContents.EPOCH_TOTALS_PREFIX, epochTotals.toMap());
        }
        return b.build();
    }

    /**
     * Restores {@code checkpoint} into {@code setup} after checking that it was written by a
     * compatible run (same encoder, dictionary, data set size, steps per epoch, tensor
     * shapes).
     *
     * @param checkpoint what to restore
     * @param setup the run to restore it into
     * @throws CheckpointException saying what does not match; nothing has been changed then
     */
    public static void restore(Checkpoint checkpoint, AssembledRun setup) {
        Map<String, String> savedSpec = CheckpointContents.withPrefix(checkpoint, CheckpointContents.ENCODER_PREFIX);
        Map<String, String> spec = new TreeMap<>(setup.encoder().properties());
        if (!new EncoderDescription(savedSpec).sameEncoderAs(new EncoderDescription(spec))) {
            throw new CheckpointException("checkpoint was written for another encoder: " + differences(savedSpec, spec));
        }
        String savedDictionary = checkpoint.requireProperty(CheckpointContents.CONFIG_PREFIX + MocoConfig.DICTIONARY);
        String dictionary = setup.config().getString(MocoConfig.DICTIONARY);
        if (!savedDictionary.equals(dictionary)) {
            throw new CheckpointException("checkpoint was written with dictionary '" + savedDictionary
                    + "' but this run uses '" + dictionary + "'");
        }
        long savedSize = Long.parseLong(checkpoint.requireProperty(CheckpointContents.DATA_SIZE));
        if (savedSize != setup.datasetSize()) {
            throw new CheckpointException("checkpoint was written for a training set of " + savedSize
                    + " images but this one has " + setup.datasetSize() + " (another --data or held-out split?)");
        }
        if (checkpoint.position().stepsPerEpoch() != setup.stepsPerEpoch()) {
            throw new CheckpointException("checkpoint has " + checkpoint.position().stepsPerEpoch()
                    + " steps per epoch but this run has " + setup.stepsPerEpoch() + " (another batch.size?)");
        }
        String hint = configDifferences(checkpoint, setup.config());
        try {
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> encoderLive = new LinkedHashMap<>();
            encoderLive.put("parameters", setup.queryEncoder().parameters());
            encoderLive.put("buffers", setup.queryEncoder().buffers());
            TensorRestore.requireCompatible(Checkpoint.QUERY_ENCODER, encoderLive, checkpoint.component(Checkpoint.QUERY_ENCODER));
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> optimizerLive = Map.of("state", setup.trainer().optimizer().state());
            TensorRestore.requireCompatible(Checkpoint.OPTIMIZER, optimizerLive, checkpoint.component(Checkpoint.OPTIMIZER));
            TensorRestore.requireCompatible(Checkpoint.DICTIONARY, setup.dictionary().state(), checkpoint.component(Checkpoint.DICTIONARY));
            try {
                setup.dictionary().restore(checkpoint.component(Checkpoint.DICTIONARY));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException("checkpoint does not fit this run's dictionary: " + e.getMessage(), e);
            }
            TensorRestore.copy(Checkpoint.QUERY_ENCODER, encoderLive, checkpoint.component(Checkpoint.QUERY_ENCODER));
            TensorRestore.copy(Checkpoint.OPTIMIZER, optimizerLive, checkpoint.component(Checkpoint.OPTIMIZER));
        } catch (CheckpointException e) {
            throw new CheckpointException(e.getMessage() + hint, e);
        }
    }

    /** The totals of the epoch in progress recorded in a mid-epoch checkpoint (empty otherwise). */
    public static EpochAccumulator epochTotals(Checkpoint checkpoint) {
        try {
            return EpochAccumulator.fromMap(CheckpointContents.withPrefix(checkpoint, CheckpointContents.EPOCH_TOTALS_PREFIX));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint has " + e.getMessage(), e);
        }
    }

    private static String configDifferences(Checkpoint checkpoint, MocoConfig config) {
        List<String> diffs = CheckpointContents.settingsThatDiffer(checkpoint, config);
        return diffs.isEmpty() ? "" : "; settings that differ from the checkpoint's: " + String.join(", ", diffs);
    }

    private static String differences(Map<String, String> saved, Map<String, String> now) {
        TreeMap<String, String> diffs = new TreeMap<>();
        saved.forEach((k, v) -> {
            if (!v.equals(now.get(k))) {
                diffs.put(k, "checkpoint " + v + ", this run " + now.get(k));
            }
        });
        now.keySet().stream().filter(k -> !saved.containsKey(k)).forEach(k -> diffs.put(k, "missing in checkpoint"));
        return diffs.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", "));
    }

}
