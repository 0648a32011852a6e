package dev.moco.core.run;

import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.DatasetSplit;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.core.wiring.TrainingData;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A pretraining described by values alone: the effective configuration, the directory of the
 * images and where checkpoints go. Equal specs build equal runs, so the W workers of a
 * data-parallel pretraining each build their replica from one spec the driver sent them; it is
 * {@link Serializable} for that, and holds paths as strings (every worker must be able to read
 * them: a shared file system).
 *
 * <pre>{@code
 * MocoConfig config = MocoConfig.builder(DictionaryRegistry.discover().settings()).preset("moco-v2").build();
 * PretrainingSpec spec = PretrainingSpec.of(config, Path.of("/usr/share/datasets/fashion-mnist"))
 *         .withCheckpoints(Path.of("runs/v2/checkpoints"), 2, 0);
 * try (Pretraining run = spec.builder().build()) {     // add .collective(...) on a worker
 *     spec.attachCheckpoints(run).run();
 * }
 * }</pre>
 *
 * @param configuration every key of a validated configuration ({@link MocoConfig#asMap()})
 * @param dataDirectory a directory of IDX files or an image folder ({@link TrainingImages#open})
 * @param split {@code train} or {@code test}
 * @param channels 1 or 3 to convert an image folder to, 0 for its own
 * @param heldOut images set aside (not trained on), drawn from {@code seed} as {@link DatasetSplit#holdOut} draws them
 * @param checkpointDirectory where checkpoints go, or null for none
 * @param keepCheckpoints epoch checkpoints kept, at least 1
 * @param checkpointEverySteps also checkpoint every this many steps; 0 for epoch ends only
 * @param resumeFrom the checkpoint to continue ({@link Pretraining.Builder#resumeFrom(Path)}), or null to start afresh
 *
 * @serial exclude (serialised only between a distributed run's driver and its workers, never stored)
 */
public record PretrainingSpec(Map<String, String> configuration, String dataDirectory, String split, int channels,
        int heldOut, String checkpointDirectory, int keepCheckpoints, long checkpointEverySteps, String resumeFrom)
        implements Serializable {

    /** The splits a spec may train on. */
    private static final List<String> SPLITS = List.of("train", "test");

    /**
     * Checks the values on their own (the configuration is checked by {@link #config()}).
     *
     * @param configuration every key of a validated configuration, copied
     * @param dataDirectory a directory of IDX files or an image folder
     * @param split {@code train} or {@code test}
     * @param channels 1 or 3 to convert an image folder to, 0 for its own
     * @param heldOut images set aside, not trained on
     * @param checkpointDirectory where checkpoints go, or null for none
     * @param keepCheckpoints epoch checkpoints kept, at least 1
     * @param checkpointEverySteps also checkpoint every this many steps; 0 for epoch ends only
     * @param resumeFrom the checkpoint to continue, or null
     * @throws IllegalArgumentException naming the value that is out of range
     */
    public PretrainingSpec {
        configuration = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(configuration,
                "configuration")));
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        if (!SPLITS.contains(split)) {
            throw new IllegalArgumentException("the split must be one of " + SPLITS + ", got '" + split + "'");
        }
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 0 (the images' own), 1 or 3, got " + channels);
        }
        if (heldOut < 0) {
            throw new IllegalArgumentException("the held-out images must be 0 or more, got " + heldOut);
        }
        if (keepCheckpoints < 1) {
            throw new IllegalArgumentException("the number of epoch checkpoints kept must be at least 1, got " + keepCheckpoints);
        }
        if (checkpointEverySteps < 0) {
            throw new IllegalArgumentException("checkpoints every N steps need N of 0 (epoch ends only) or more, got "
                    + checkpointEverySteps);
        }
    }

    /**
     * A spec that trains on the {@code train} split of {@code data}, all of it, without
     * checkpoints.
     *
     * @param config the validated configuration
     * @param data a directory of IDX files or an image folder
     * @return the spec
     */
    public static PretrainingSpec of(MocoConfig config, Path data) {
        return new PretrainingSpec(config.asMap(), data.toString(), "train", 0, 0, null, 2, 0, null);
    }

    /**
     * @param newSplit {@code train} or {@code test}
     * @param newChannels 1 or 3 to convert an image folder to, 0 for its own
     * @param newHeldOut images set aside, not trained on
     * @return this spec reading the images so
     */
    public PretrainingSpec withImages(String newSplit, int newChannels, int newHeldOut) {
        return new PretrainingSpec(configuration, dataDirectory, newSplit, newChannels, newHeldOut, checkpointDirectory,
                keepCheckpoints, checkpointEverySteps, resumeFrom);
    }

    /**
     * @param directory where checkpoints go ({@link Pretraining#checkpoints})
     * @param keep epoch checkpoints kept
     * @param everySteps also checkpoint every this many steps; 0 for epoch ends only
     * @return this spec with checkpoints
     */
    public PretrainingSpec withCheckpoints(Path directory, int keep, long everySteps) {
        return new PretrainingSpec(configuration, dataDirectory, split, channels, heldOut, directory.toString(), keep,
                everySteps, resumeFrom);
    }

    /**
     * @param checkpoint a checkpoint file, or a directory holding {@code latest.zip}
     * @return this spec continuing from it
     */
    public PretrainingSpec withResumeFrom(Path checkpoint) {
        return new PretrainingSpec(configuration, dataDirectory, split, channels, heldOut, checkpointDirectory,
                keepCheckpoints, checkpointEverySteps, checkpoint.toString());
    }

    /** {@return where checkpoints go, if anywhere} */
    public Optional<Path> checkpoints() {
        return Optional.ofNullable(checkpointDirectory).map(Path::of);
    }

    /** {@return the checkpoint to continue, if any} */
    public Optional<Path> resume() {
        return Optional.ofNullable(resumeFrom).map(Path::of);
    }

    /**
     * {@return the configuration, validated again against the dictionaries installed here}
     *
     * @throws IllegalArgumentException naming a key or value this process does not accept
     */
    public MocoConfig config() {
        MocoConfig.Builder builder = MocoConfig.builder(DictionaryRegistry.discover().settings());
        configuration.forEach(builder::set);
        return builder.build();
    }

    /**
     * Reads the images and starts the run this spec describes, as the command line does: the
     * configuration, the training images without the held-out ones, the data's fingerprint and
     * the checkpoint to resume. The caller may add listeners (or a collective) and then
     * {@link Pretraining.Builder#build() builds} it; {@link #attachCheckpoints} adds the checkpoints.
     *
     * @return a builder of the run
     * @throws IllegalArgumentException if the directory holds no images of the split, or
     *     holds fewer than {@code heldOut}
     * @throws java.io.UncheckedIOException if the images cannot be read
     */
    public Pretraining.Builder builder() {
        MocoConfig config = config();
        TrainingImages images = TrainingImages.open(Path.of(dataDirectory), split, config.getInt(MocoConfig.IMAGE_SIZE),
                channels);
        ImageDataset all = images.dataset();
        if (heldOut >= all.size()) {
            throw new IllegalArgumentException(heldOut + " held-out images leave none to train on: " + images + " has "
                    + all.size());
        }
        ImageDataset train = DatasetSplit.holdOut(all, heldOut, config.getLong(MocoConfig.SEED)).train();
        Pretraining.Builder builder = Pretraining.configuration(config)
                .data(train, images.toString())
                .dataFingerprint(TrainingData.fingerprint(all));
        resume().ifPresent(builder::resumeFrom);
        return builder;
    }

    /**
     * Adds this spec's checkpoints to a run built from {@link #builder()}, after the listeners
     * added before.
     *
     * @param run the built run
     * @return the run
     */
    public Pretraining attachCheckpoints(Pretraining run) {
        checkpoints().ifPresent(directory -> run.checkpoints(directory, keepCheckpoints, checkpointEverySteps));
        return run;
    }
}
