package dev.moco.core.run;

import dev.moco.api.Collective;
import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryProvider;
import dev.moco.api.Encoder;
import dev.moco.core.MocoTrainer;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.StoredCheckpoint;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.internal.EpochAccumulator;
import dev.moco.core.run.internal.PeriodicCheckpoints;
import dev.moco.core.run.internal.RunAssembly;
import dev.moco.core.run.internal.EpochLoop;
import dev.moco.core.run.internal.AssembledRun;
import dev.moco.core.run.internal.TrainingSnapshot;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.core.wiring.TrainingData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Self-supervised pretraining with MoCo (He et al. 2020) in a few lines of plain Java: a
 * preset, a dictionary by name, an encoder, the images, optional listeners, then
 * {@link Builder#run()}. It is the one place that builds, resumes and runs a pretraining run:
 * {@code ./moco pretrain}, {@code quickstart} and the experiments use it as a library user does.
 *
 * <pre>{@code
 * PretrainingResult result = Pretraining.preset("moco-v2")
 *         .dictionary("queue")                      // or memory-bank, end-to-end, or your own
 *         .negatives(4096)                          // K
 *         .encoder(myEncoder)                       // any dev.moco.api.Encoder, or .encoder("resnet18")
 *         .data(TrainingImages.idx(Path.of("/usr/share/datasets/fashion-mnist")))
 *         .epochs(10)
 *         .checkpoints(Path.of("runs/v2/checkpoints"))  // and .resumeFrom(...) to continue one
 *         .afterEpoch(epoch -> System.out.println(epoch.epoch() + ": " + epoch.meanLoss()))
 *         .run();
 * Encoder trained = result.queryEncoder();
 * }</pre>
 *
 * <p>{@link Builder#build()} assembles the run with plain constructors
 * ({@code RunAssembly.assemble}: dictionary, InfoNCE, SGD, then {@link MocoTrainer}); a user
 * who wants to replace one part with Guice installs {@link dev.moco.core.wiring.MocoModule}
 * instead. Bad use fails where it happens, naming what is wrong: an unknown preset, key or
 * dictionary name (listing the installed ones), an encoder whose output width is not
 * {@code feature.dim}, images of mixed sizes, a listener that throws ({@link ListenerFailedException}).
 *
 * <p><b>Data-parallel.</b> With {@link Builder#collective}, each of W workers (a Spark task,
 * say) builds and runs the same {@code Pretraining} with its own {@link Collective}: it loads
 * and augments its N/W rows of every global batch, averages the gradients over the workers
 * and keeps one global dictionary, so every replica follows the single-process run with the
 * same {@code batch.size} N, {@code shuffle.groups} G and {@code query.bn-groups} = W, up to
 * the order of floating-point sums. Only rank 0 writes checkpoints, in the single process's
 * format: a checkpoint resumes with any number of workers. Listeners run on every worker, with
 * the global batch's loss; attach progress output on rank 0 alone.
 *
 * <pre>{@code
 * Pretraining.preset("moco-v2").dictionary("queue").set("query.bn-groups", "2")
 *         .collective(collective)                   // this worker's, e.g. rank 1 of 2
 *         .data(trainingImages).checkpoints(Path.of("runs/v2"))
 *         .run();
 * }</pre>
 *
 * <p>A built run owns native memory (both encoders and the dictionary): {@link #close()} it
 * when done, unless the trained query encoder is still wanted.
 */
public final class Pretraining implements AutoCloseable {

    private final AssembledRun run;
    private final EpochLoop loop;
    private final TrainingPosition start;
    private final EpochAccumulator carried;
    private final Path resumedFrom;
    private final String dataSource;
    private final String dataFingerprint;
    private final List<EpochReport> epochs = new ArrayList<>();
    private PeriodicCheckpoints checkpoints;

    private Pretraining(AssembledRun run, TrainingPosition start, EpochAccumulator carried, Path resumedFrom, String dataSource,
            String dataFingerprint) {
        this.run = run;
        this.loop = run.loop();
        this.start = start;
        this.carried = carried;
        this.resumedFrom = resumedFrom;
        this.dataSource = dataSource;
        this.dataFingerprint = dataFingerprint;
    }

    /**
     * Starts a run from a shipped preset.
     *
     * @param name {@code moco-v1} or {@code moco-v2}
     * @return a builder over that preset
     * @throws IllegalArgumentException listing the presets if {@code name} is not one
     */
    public static Builder preset(String name) {
        Builder builder = new Builder();
        builder.config.preset(name);
        return builder;
    }

    /**
     * Starts a run from a whole configuration (a preset with a properties file and overrides,
     * or a checkpoint's), as the command line builds one.
     *
     * @param config a validated configuration
     * @return a builder over it
     */
    public static Builder configuration(MocoConfig config) {
        Builder builder = new Builder();
        builder.config.setAll(config);
        return builder;
    }

    /** {@return the validated configuration of this run} */
    public MocoConfig config() {
        return run.config();
    }

    /** {@return the query encoder f_q, trained in place} */
    public Encoder queryEncoder() {
        return run.queryEncoder();
    }

    /** {@return the dictionary} */
    public Dictionary dictionary() {
        return run.dictionary();
    }

    /** {@return the workers of this run; {@link Collective#SINGLE_PROCESS} unless one was given} */
    public Collective collective() {
        return run.trainer().collective();
    }

    /** {@return the step: query encoder, dictionary, loss and optimizer} */
    public MocoTrainer trainer() {
        return run.trainer();
    }

    /** {@return what checkpoints record of the query encoder} */
    public EncoderDescription encoderDescription() {
        return run.encoder();
    }

    /** {@return the normalisation the views are given, and evaluation should use} */
    public Normalize normalization() {
        return run.data().normalize();
    }

    /** {@return training images / batch size (the last incomplete batch is dropped)} */
    public long stepsPerEpoch() {
        return run.stepsPerEpoch();
    }

    /** {@return where {@link #run()} starts: the beginning, or the resumed checkpoint's position} */
    public TrainingPosition start() {
        return start;
    }

    /** {@return the checkpoint this run was resumed from, if it was} */
    public Optional<Path> resumedFrom() {
        return Optional.ofNullable(resumedFrom);
    }

    /** {@return the newest checkpoint this process wrote, if any} */
    public Optional<Path> lastCheckpointWritten() {
        return Optional.ofNullable(checkpoints == null ? null : checkpoints.lastWritten());
    }

    /** {@return the newest checkpoint this run wrote, else the one it resumed from} */
    public Optional<Path> lastCheckpoint() {
        return lastCheckpointWritten().or(this::resumedFrom);
    }

    /**
     * @param listener called after every step, after the listeners added before it
     * @return this run
     */
    public Pretraining afterStep(AfterStepListener listener) {
        loop.addAfterStepListener(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * @param listener called after every epoch, after the listeners added before it
     * @return this run
     */
    public Pretraining afterEpoch(AfterEpochListener listener) {
        loop.addAfterEpochListener(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Writes a checkpoint after every epoch into {@code directory} ({@code latest.zip} and the
     * last {@code keep} {@code checkpoint-epoch-NNN.zip}) and, if {@code everySteps} is positive,
     * {@code latest.zip} every that many steps; after the listeners added before. A checkpoint
     * due when the state is not finite is not written ({@link NonFiniteStateException}). In a
     * data-parallel run only rank 0 writes (the replicas are equal); on the other workers this
     * attaches nothing.
     *
     * @param directory where the checkpoints go; created if missing
     * @param keep epoch checkpoints kept, at least 1
     * @param everySteps also checkpoint every this many global steps; 0 for epoch ends only
     * @return this run
     * @throws IllegalStateException if checkpoints were already attached
     */
    public Pretraining checkpoints(Path directory, int keep, long everySteps) {
        if (collective().rank() != 0) {
            return this;
        }
        PeriodicCheckpoints saver = newCheckpoints(directory, keep, everySteps);
        loop.addAfterStepListener(saver);
        loop.addAfterEpochListener(saver);
        return this;
    }

    private PeriodicCheckpoints newCheckpoints(Path directory, int keep, long everySteps) {
        if (checkpoints != null) {
            throw new IllegalStateException("checkpoints are already attached to this run");
        }
        checkpoints = new PeriodicCheckpoints(new CheckpointDirectory(directory, keep),
                position -> TrainingSnapshot.capture(run, position, dataSource, dataFingerprint, loop.epochTotals()),
                everySteps);
        return checkpoints;
    }

    /**
     * Trains from the start, or from the checkpoint resumed, to the end of the configured epochs.
     *
     * @return the trained query encoder and the epochs' metrics
     * @throws ListenerFailedException if a listener threw; its message names the last checkpoint, which is kept
     * @throws dev.moco.core.NonFiniteLossException if the loss or its gradient became NaN or infinite
     * @throws NonFiniteStateException if the state was not finite when a checkpoint was due
     */
    public PretrainingResult run() {
        loop.addAfterEpochListener(epochs::add);
        TrainingPosition end;
        try {
            end = loop.run(start, carried);
        } catch (ListenerFailedException e) {
            if (e.getCause() instanceof NonFiniteStateException state) {
                throw state;   // a checkpoint that found non-finite state is the run stopping, not a failing listener
            }
            Optional<Path> last = lastCheckpoint();
            throw last.isPresent() ? new ListenerFailedException(e, last.get()) : e;
        }
        return new PretrainingResult(run.queryEncoder(), epochs, end, lastCheckpoint());
    }

    /**
     * Frees the native memory of the run's encoders and dictionary. Neither may be used
     * afterwards: a caller that keeps the trained query encoder does not close the run.
     */
    @Override
    public void close() {
        run.close();
    }

    /** Chooses what a {@link Pretraining} run trains, on what, and who listens. */
    public static final class Builder {
        private final DictionaryRegistry dictionaries = DictionaryRegistry.discover();
        private final MocoConfig.Builder config = MocoConfig.builder(dictionaries.settings());
        private final List<AfterStepListener> stepListeners = new ArrayList<>();
        private final List<AfterEpochListener> epochListeners = new ArrayList<>();
        private Encoder encoder;
        private ImageDataset images;
        private String dataSource;
        private String dataFingerprint;
        private Normalize normalization;
        private Path checkpointDirectory;
        private StoredCheckpoint resume;
        private Collective collective = Collective.SINGLE_PROCESS;

        private Builder() {}

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
         * Sets K, the negatives each query is contrasted with, through the setting the chosen
         * dictionary declares for it ({@link DictionaryProvider#negativesSetting()}).
         *
         * @param k the dictionary size
         * @return this builder
         * @throws IllegalArgumentException if the dictionary has no K of its own (end-to-end: it is the batch's other keys)
         */
        public Builder negatives(int k) {
            DictionaryProvider provider = chosenDictionary();
            String key = provider.negativesSetting().orElseThrow(() -> new IllegalArgumentException("the " + provider.name()
                    + " dictionary has no K of its own (its negatives follow from other settings, e.g. "
                    + MocoConfig.BATCH_SIZE + ")"));
            config.set(key, Integer.toString(k));
            return this;
        }

        /**
         * Sets m, the momentum with which the chosen dictionary's keys evolve (the key encoder's,
         * the paper's Eq. 2, or the memory bank's), through the setting the dictionary declares.
         *
         * @param m the momentum, in [0, 1)
         * @return this builder
         * @throws IllegalArgumentException if the dictionary has no such momentum (end-to-end)
         */
        public Builder keyMomentum(double m) {
            DictionaryProvider provider = chosenDictionary();
            String key = provider.momentumSetting().orElseThrow(() -> new IllegalArgumentException("the " + provider.name()
                    + " dictionary has no key momentum (its keys come from the query encoder itself)"));
            config.set(key, Double.toString(m));
            return this;
        }

        /**
         * @param tau the temperature of InfoNCE
         * @return this builder
         */
        public Builder temperature(double tau) {
            config.set(MocoConfig.TEMPERATURE, Double.toString(tau));
            return this;
        }

        /**
         * @param n images per step (N); queries and keys alike
         * @return this builder
         */
        public Builder batchSize(int n) {
            config.set(MocoConfig.BATCH_SIZE, Integer.toString(n));
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
         * @param seed the seed every random choice of the run derives from
         * @return this builder
         */
        public Builder seed(long seed) {
            config.set(MocoConfig.SEED, Long.toString(seed));
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
         * Trains an encoder of moco-encoders' catalogue, built from the configuration
         * ({@code encoder.width}, {@code head}, {@code feature.dim}, {@code encoder.impl} ...).
         *
         * @param architecture e.g. {@code resnet20}, {@code resnet18}, {@code resnet50}
         * @return this builder
         */
        public Builder encoder(String architecture) {
            config.set(MocoConfig.ENCODER, architecture);
            this.encoder = null;
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
            return data(Objects.requireNonNull(trainingImages, "data").dataset(), trainingImages.toString());
        }

        /**
         * @param trainingImages the images to pretrain on
         * @param source where they come from, recorded in checkpoints
         * @return this builder
         */
        public Builder data(ImageDataset trainingImages, String source) {
            this.images = Objects.requireNonNull(trainingImages, "data");
            this.dataSource = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Records what identifies the data in the checkpoints, so that a resumed run can warn
         * when it is given other data (see {@link TrainingData#fingerprint}).
         *
         * @param fingerprint the data's fingerprint
         * @return this builder
         */
        public Builder dataFingerprint(String fingerprint) {
            this.dataFingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
            return this;
        }

        /**
         * Normalises the views with {@code normalize} instead of the per-channel mean and
         * standard deviation estimated from the images (a resumed run uses its checkpoint's).
         *
         * @param normalize the normalisation
         * @return this builder
         */
        public Builder normalization(Normalize normalize) {
            this.normalization = Objects.requireNonNull(normalize, "normalize");
            return this;
        }

        /**
         * Writes a checkpoint after every epoch into {@code directory} ({@code latest.zip} and
         * the last two {@code checkpoint-epoch-NNN.zip}), after the listeners given to this
         * builder; {@link Pretraining#checkpoints} on the built run offers the other choices.
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
            return resumeFrom(CheckpointDirectory.open(checkpoint));
        }

        /**
         * @param checkpoint a checkpoint already read
         * @return this builder
         * @see #resumeFrom(Path)
         */
        public Builder resumeFrom(StoredCheckpoint checkpoint) {
            this.resume = Objects.requireNonNull(checkpoint, "checkpoint");
            return this;
        }

        /**
         * Makes this run one worker of a data-parallel pretraining (see {@link Pretraining}): every
         * worker builds the same run with its own collective, and W must divide
         * {@code batch.size}, {@code query.bn-groups} and the dictionary's shuffle groups.
         *
         * @param collective this worker's view of the run's workers; {@link Collective#SINGLE_PROCESS} by default
         * @return this builder
         */
        public Builder collective(Collective collective) {
            this.collective = Objects.requireNonNull(collective, "collective");
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
         * Validates the configuration and assembles the run: the query encoder (given, or
         * built from the configuration), the training data and its normalisation, the
         * dictionary, loss, optimizer and trainer, then the resumed checkpoint's state.
         *
         * @return the run, ready to {@link Pretraining#run()}
         * @throws IllegalArgumentException saying what is wrong: a setting, an encoder of the
         *     wrong output width, too few images for a batch, a setting the workers cannot share
         *     evenly or a dictionary that cannot run data-parallel
         * @throws IllegalStateException if the data was not given
         * @throws dev.moco.core.checkpoint.CheckpointException if the checkpoint to resume does
         *     not fit this run, saying what differs
         */
        public Pretraining build() {
            if (images == null) {
                throw new IllegalStateException("no training images: call data(TrainingImages.idx(...)), imageFolder(...) or of(...)");
            }
            MocoConfig validated = config.build();
            Checkpoint resumed = resume == null ? null : resume.checkpoint();
            Normalize normalize = resumed != null ? CheckpointContents.normalize(resumed)
                    : normalization != null ? normalization
                    : TrainingData.estimateNormalization(images, TrainingData.NORMALIZATION_SAMPLES);
            TrainingData data = new TrainingData(images, normalize);

            Encoder queryEncoder;
            EncoderDescription description;
            if (encoder != null) {
                queryEncoder = encoder;
                description = ConfiguredEncoder.describe(encoder);
            } else {
                ConfiguredEncoder configured = ConfiguredEncoder.from(validated, images.channels());
                queryEncoder = configured.create();
                description = configured.description();
            }
            AssembledRun assembled;
            try {
                assembled = RunAssembly.assemble(validated, queryEncoder, description, data, dictionaries, collective);
            } catch (RuntimeException e) {
                if (encoder == null) {
                    queryEncoder.close();   // the encoder made here is freed with the run that failed
                }
                throw e;
            }
            TrainingPosition start = TrainingPosition.start(assembled.stepsPerEpoch());
            EpochAccumulator carried = new EpochAccumulator();
            if (resumed != null) {
                try {
                    TrainingSnapshot.restore(resumed, assembled);
                } catch (RuntimeException e) {
                    assembled.close();
                    throw e;
                }
                start = resumed.position();
                carried = TrainingSnapshot.epochTotals(resumed);
            }
            Pretraining run = new Pretraining(assembled, start, carried, resume == null ? null : resume.file(),
                    dataSource, dataFingerprint);
            stepListeners.forEach(run::afterStep);
            epochListeners.forEach(run::afterEpoch);
            if (checkpointDirectory != null) {
                run.checkpoints(checkpointDirectory, 2, 0);
            }
            return run;
        }

        /**
         * {@link #build()}, then {@link Pretraining#run()}; the dictionary (and its key encoder)
         * is freed at once, the trained query encoder belongs to the caller.
         *
         * @return the trained query encoder and the epochs' metrics
         */
        public PretrainingResult run() {
            Pretraining run = build();
            try {
                return run.run();
            } finally {
                run.dictionary().close();
            }
        }

        private DictionaryProvider chosenDictionary() {
            return dictionaries.provider(config.current(MocoConfig.DICTIONARY));
        }
    }
}
