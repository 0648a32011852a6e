package dev.moco.core.run.internal;

import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.core.MocoTrainer;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.EncoderDescription;
import dev.moco.core.wiring.TrainingData;

/**
 * One run as {@link RunAssembly} builds it from a configuration, an encoder and the
 * training data: the trainer (query encoder, dictionary, loss, optimizer), where its batches
 * come from, and what a checkpoint records of it. {@code Pretraining} holds one.
 *
 * <pre>{@code
 * AssembledRun run = RunAssembly.assemble(config, encoder, description, data, DictionaryRegistry.discover());
 * TrainingPosition end = run.loop().run(TrainingPosition.start(run.stepsPerEpoch()));
 * }</pre>
 *
 * @param config the validated configuration
 * @param encoder what checkpoints record of the query encoder's architecture
 * @param trainer the step, holding the query encoder, dictionary and optimizer
 * @param data the training images and their normalisation
 * @param batches two augmented views of the training images, from any position
 * @param stepsPerEpoch training images / batch size (the last incomplete batch is dropped)
 */
public record AssembledRun(MocoConfig config, EncoderDescription encoder, MocoTrainer trainer, TrainingData data,
        BatchSource batches, long stepsPerEpoch) implements AutoCloseable {

    /**
     * Frees the native resources of the run's encoders: the dictionary's (a key encoder) and
     * the query encoder's. Neither may be used afterwards; a caller that keeps the trained
     * encoder does not close the run.
     */
    @Override
    public void close() {
        dictionary().close();
        queryEncoder().close();
    }

    /** {@return the query encoder f_q} */
    public Encoder queryEncoder() {
        return trainer.queryEncoder();
    }

    /** {@return the dictionary} */
    public Dictionary dictionary() {
        return trainer.dictionary();
    }

    /** {@return the epoch the run ends after} */
    public int epochs() {
        return config.getInt(MocoConfig.EPOCHS);
    }

    /** {@return the number of images in the training set} */
    public long datasetSize() {
        return data.images().size();
    }

    /** {@return a new loop over this run's trainer and batches, without listeners} */
    public EpochLoop loop() {
        return new EpochLoop(trainer, batches, stepsPerEpoch, epochs());
    }
}
