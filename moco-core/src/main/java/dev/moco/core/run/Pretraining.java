package dev.moco.core.run;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import dev.moco.api.DictionaryProvider;
import dev.moco.api.Encoder;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.internal.PeriodicCheckpoints;
import dev.moco.core.run.internal.TrainingLoop;
import dev.moco.core.run.internal.TrainingRun;
import dev.moco.core.run.internal.TrainingSnapshot;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.core.wiring.MocoModule;
import dev.moco.core.wiring.TrainingData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Self-supervised pretraining with MoCo (He et al. 2020) in a few lines of plain Java: a
 * preset, a dictionary by name, an encoder, the images, optional listeners, then
 * {@link Builder#run()}.
 *
 * <pre>{@code
 * PretrainingResult result = Pretraining.preset("moco-v2")
 *         .dictionary("queue")                      // or memory-bank, end-to-end, or your own
 *         .set("queue.size", "4096")
 *         .encoder(myEncoder)                       // any dev.moco.api.Encoder
 *         .data(TrainingImages.idx(Path.of("/usr/share/datasets/fashion-mnist")))
 *         .epochs(10)
 *         .checkpoints(Path.of("runs/v2/checkpoints"))  // and .resumeFrom(...) to continue one
 *         .afterEpoch(epoch -> System.out.println(epoch.epoch() + ": " + epoch.meanLoss()))
 *         .run();
 * Encoder trained = result.queryEncoder();
 * }</pre>
 *
 * <p>The run is assembled by Guice ({@link MocoModule}); a user who has an injector of their
 * own installs that module instead, and this class is only a way not to need one. Bad use
 * fails where it happens, naming what is wrong: an unknown preset, key or dictionary name
 * (listing the installed ones), an encoder whose output width is not {@code feature.dim},
 * images of mixed sizes, a listener that throws ({@link ListenerFailedException}).
 */
public final class Pretraining {

    private final TrainingRun run;
    private final TrainingLoop loop;
    private final TrainingPosition start;
    private final PeriodicCheckpoints checkpoints;
    private final Path resumedFrom;
    private final List<EpochReport> epochs = new ArrayList<>();

    private Pretraining(TrainingRun run, TrainingPosition start, PeriodicCheckpoints checkpoints, Path resumedFrom) {
        this.run = run;
        this.loop = run.loop();
        this.start = start;
        this.checkpoints = checkpoints;
        this.resumedFrom = resumedFrom;
    }

    /**
     * Starts a run from a shipped preset.
     *
     * @param name {@code moco-v1} or {@code moco-v2}
     * @return a builder over that preset
     * @throws IllegalArgumentException listing the presets if {@code name} is not one
     */
    public static Builder preset(String name) {
        return new Builder(name);
    }

    /** {@return the validated configuration of this run} */
    public MocoConfig config() {
        return run.config();
    }

    /**
     * Trains from the start, or from the checkpoint resumed, to the end of the configured epochs.
     *
     * @return the trained query encoder and the epochs' metrics
     * @throws ListenerFailedException if a listener threw; its message names the last checkpoint, which is kept
     * @throws dev.moco.core.NonFiniteLossException if the loss or its gradient became NaN or infinite
     */
    public PretrainingResult run() {
        TrainingPosition end;
        try {
            end = loop.run(start);
        } catch (ListenerFailedException e) {
            Optional<Path> last = lastCheckpoint();
            throw last.isPresent() ? new ListenerFailedException(e, last.get()) : e;
        } finally {
            run.dictionary().close();   // the key encoder, at once; the caller owns the query encoder
        }
        return new PretrainingResult(run.queryEncoder(), epochs, end, lastCheckpoint());
    }

    /** The newest checkpoint this run wrote, else the one it resumed from. */
    private Optional<Path> lastCheckpoint() {
        Path written = checkpoints == null ? null : checkpoints.lastWritten();
        return Optional.ofNullable(written != null ? written : resumedFrom);
    }

    /** Chooses what a {@link Pretraining} run trains, on what, and who listens. */
    public static final class Builder {
        private final DictionaryRegistry dictionaries = DictionaryRegistry.discover();
        private final MocoConfig.Builder config;
        private final List<AfterStepListener> stepListeners = new ArrayList<>();
        private final List<AfterEpochListener> epochListeners = new ArrayList<>();
        private Encoder encoder;
        private TrainingImages images;
        private Path checkpointDirectory;
        private Checkpoint resume;
        private Path resumeFile;

        private Builder(String preset) {
            this.config = MocoConfig.builder(dictionaries.settings()).preset(preset);
        }

        /**
         * @param name an installed dictionary's name: {@code queue}, {@code memory-bank},
         *     {@code end-to-end}, or one registered in {@code META-INF/services}
         * @return this builder
         * @throws IllegalArgumentException listing the installed names if {@code name} is not one
         */
        public Builder dictionary(String name) {
            dictionaries.provider(name);
            config.set(MocoConfig.DICTIONARY, name);
            return this;
        }

        /**
         * @param key a configuration key of moco-core or of an installed dictionary
         * @param value its value
         * @return this builder
         * @throws IllegalArgumentException naming the closest known key if {@code key} is unknown
         */
        public Builder set(String key, String value) {
            config.set(key, value);
            return this;
        }

        /**
         * @param epochs how many epochs to train
         * @return this builder
         */
        public Builder epochs(int epochs) {
            config.set(MocoConfig.EPOCHS, Integer.toString(epochs));
            return this;
        }

        /**
         * @param queryEncoder the encoder to train, f_q; its output width must be {@code feature.dim}
         * @return this builder
         */
        public Builder encoder(Encoder queryEncoder) {
            this.encoder = Objects.requireNonNull(queryEncoder, "encoder");
            return this;
        }

        /**
         * @param trainingImages the images to pretrain on
         * @return this builder
         */
        public Builder data(TrainingImages trainingImages) {
            this.images = Objects.requireNonNull(trainingImages, "data");
            return this;
        }

        /**
         * Writes a checkpoint after every epoch into {@code directory} ({@code latest.zip} and
         * the last two {@code checkpoint-epoch-NNN.zip}), after the listeners added before.
         *
         * @param directory where the checkpoints go; created if missing
         * @return this builder
         */
        public Builder checkpoints(Path directory) {
            this.checkpointDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Continues a run from its checkpoint: parameters, optimizer state, dictionary and
         * position. The configuration must be the run's (the same encoder, dictionary, data
         * and batch size); the number of epochs may grow.
         *
         * @param checkpoint a checkpoint {@code .zip}, or a directory holding {@code latest.zip}
         * @return this builder
         * @throws dev.moco.core.checkpoint.CheckpointException if there is no readable checkpoint there
         */
        public Builder resumeFrom(Path checkpoint) {
            this.resume = CheckpointDirectory.load(checkpoint);
            this.resumeFile = CheckpointDirectory.resolve(checkpoint);
            return this;
        }

        /**
         * @param listener called after every step, after the listeners added before it
         * @return this builder
         */
        public Builder afterStep(AfterStepListener listener) {
            stepListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * @param listener called after every epoch, after the listeners added before it
         * @return this builder
         */
        public Builder afterEpoch(AfterEpochListener listener) {
            epochListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Validates the configuration and assembles the run.
         *
         * @return the run, ready to {@link Pretraining#run()}
         * @throws IllegalArgumentException saying what is wrong: a setting, a missing encoder
         *     or data, an encoder of the wrong output width, too few images for a batch
         * @throws IllegalStateException if the encoder or the data was not given
         * @throws dev.moco.core.checkpoint.CheckpointException if the checkpoint to resume does
         *     not fit this run, saying what differs
         */
        public Pretraining build() {
            if (encoder == null) {
                throw new IllegalStateException("no encoder: call encoder(...) with the Encoder to pretrain");
            }
            if (images == null) {
                throw new IllegalStateException("no training images: call data(TrainingImages.idx(...)), imageFolder(...) or of(...)");
            }
            MocoConfig validated = config.build();
            TrainingData data = resume == null ? TrainingData.estimated(images.dataset())
                    : new TrainingData(images.dataset(), TrainingSnapshot.normalize(resume));
            TrainingRun assembled;
            try {
                Injector injector = Guice.createInjector(new MocoModule(validated, encoder, ConfiguredEncoder.describe(encoder), data,
                        ServiceLoader.load(DictionaryProvider.class)));
                assembled = injector.getInstance(TrainingRun.class);
            } catch (ProvisionException | CreationException e) {
                throw unwrap(e);
            }
            TrainingPosition start = TrainingPosition.start(assembled.stepsPerEpoch());
            if (resume != null) {
                TrainingSnapshot.restore(resume, assembled);
                start = resume.position();
            }
            PeriodicCheckpoints saver = checkpointDirectory == null ? null : new PeriodicCheckpoints(
                    new CheckpointDirectory(checkpointDirectory, 2),
                    position -> TrainingSnapshot.capture(assembled, position, images.toString()), 0);
            Pretraining run = new Pretraining(assembled, start, saver, resumeFile);
            stepListeners.forEach(run.loop::addAfterStepListener);
            epochListeners.forEach(run.loop::addAfterEpochListener);
            if (saver != null) {
                run.loop.addAfterEpochListener(saver);
            }
            run.loop.addAfterEpochListener(run.epochs::add);
            return run;
        }

        /**
         * {@link #build()}, then {@link Pretraining#run()}.
         *
         * @return the trained query encoder and the epochs' metrics
         */
        public PretrainingResult run() {
            return build().run();
        }

        /** The user's mistake inside Guice's report, as the exception it is. */
        private static RuntimeException unwrap(RuntimeException e) {
            Throwable cause = e.getCause();
            while (cause != null && !(cause instanceof IllegalArgumentException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            return cause instanceof IllegalArgumentException iae ? new IllegalArgumentException(iae.getMessage(), iae) : e;
        }
    }
}
