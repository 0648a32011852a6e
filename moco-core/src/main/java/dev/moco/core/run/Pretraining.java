package dev.moco.core.run;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import dev.moco.api.Encoder;
import dev.moco.core.MocoTrainer;
import dev.moco.core.checkpoint.TrainingPosition;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.hooks.AfterEpochListener;
import dev.moco.core.hooks.AfterStepListener;
import dev.moco.core.hooks.EpochReport;
import dev.moco.core.run.internal.BatchSource;
import dev.moco.core.run.internal.TrainingLoop;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.core.wiring.MocoModule;
import dev.moco.core.wiring.TrainingData;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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

    private final MocoConfig config;
    private final MocoTrainer trainer;
    private final TrainingLoop loop;
    private final List<EpochReport> epochs = new ArrayList<>();

    private Pretraining(MocoConfig config, MocoTrainer trainer, TrainingLoop loop) {
        this.config = config;
        this.trainer = trainer;
        this.loop = loop;
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
        return config;
    }

    /**
     * Trains to the end of the configured epochs.
     *
     * @return the trained query encoder and the epochs' metrics
     * @throws ListenerFailedException if a listener threw
     * @throws dev.moco.core.NonFiniteLossException if the loss or its gradient became NaN or infinite
     */
    public PretrainingResult run() {
        TrainingPosition start = new TrainingPosition(0, 0, 0, loop.stepsPerEpoch());
        TrainingPosition end = loop.run(start);
        return new PretrainingResult(trainer.queryEncoder(), epochs, end, Optional.empty());
    }

    /** Chooses what a {@link Pretraining} run trains, on what, and who listens. */
    public static final class Builder {
        private final DictionaryRegistry dictionaries = DictionaryRegistry.discover();
        private final MocoConfig.Builder config;
        private final List<AfterStepListener> stepListeners = new ArrayList<>();
        private final List<AfterEpochListener> epochListeners = new ArrayList<>();
        private Encoder encoder;
        private TrainingImages images;

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
         */
        public Pretraining build() {
            if (encoder == null) {
                throw new IllegalStateException("no encoder: call encoder(...) with the Encoder to pretrain");
            }
            if (images == null) {
                throw new IllegalStateException("no training images: call data(TrainingImages.idx(...)), imageFolder(...) or of(...)");
            }
            MocoConfig validated = config.build();
            TrainingData data = TrainingData.estimated(images.dataset());
            Injector injector;
            MocoTrainer trainer;
            try {
                injector = Guice.createInjector(new MocoModule(validated, encoder, data));
                trainer = injector.getInstance(MocoTrainer.class);
            } catch (ProvisionException | CreationException e) {
                throw unwrap(e);
            }
            long stepsPerEpoch = data.images().size() / validated.getInt(MocoConfig.BATCH_SIZE);
            BatchSource batches = BatchSource.augmented(data.images(), injector.getInstance(AugmentationPipeline.class), validated);
            TrainingLoop loop = new TrainingLoop(trainer, batches, stepsPerEpoch, validated.getInt(MocoConfig.EPOCHS));
            Pretraining run = new Pretraining(validated, trainer, loop);
            stepListeners.forEach(loop::addAfterStepListener);
            epochListeners.forEach(loop::addAfterEpochListener);
            loop.addAfterEpochListener(run.epochs::add);
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
