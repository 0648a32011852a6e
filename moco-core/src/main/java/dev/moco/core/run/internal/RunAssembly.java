package dev.moco.core.run.internal;

import dev.moco.api.Collective;
import dev.moco.api.ContrastiveLoss;
import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.Encoder;
import dev.moco.core.MocoTrainer;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.optim.CosineSchedule;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.optim.SgdMomentum;
import dev.moco.core.optim.StepDecaySchedule;
import dev.moco.core.run.EncoderDescription;
import dev.moco.core.wiring.ConfiguredDictionaryContext;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.core.wiring.TrainingData;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Builds one pretraining run from a validated configuration with plain constructors, in the
 * order the step needs its parts: the dictionary the configuration names (by its provider's
 * name), InfoNCE, SGD over the query encoder, the {@link MocoTrainer} over them, and the
 * augmented batches. {@code Pretraining} calls {@link #assemble}; the Guice bindings of
 * {@code MocoModule} call the same parts, so a user who overrides one binding gets the same run
 * otherwise.
 */
public final class RunAssembly {

    private RunAssembly() {}

    /**
     * @param config the validated configuration
     * @param queryEncoder the encoder to train, f_q
     * @param description what checkpoints record of it
     * @param data the training images and their normalisation
     * @param dictionaries the installed dictionary mechanisms
     * @return the run
     * @throws IllegalArgumentException if the encoder's width is not {@code feature.dim}, the
     *     data is smaller than one batch, or the dictionary cannot be made (unknown name, too large)
     */
    public static AssembledRun assemble(MocoConfig config, Encoder queryEncoder, EncoderDescription description,
            TrainingData data, DictionaryRegistry dictionaries) {
        return assemble(config, queryEncoder, description, data, dictionaries, Collective.SINGLE_PROCESS);
    }

    /**
     * As {@link #assemble(MocoConfig, Encoder, EncoderDescription, TrainingData, DictionaryRegistry)},
     * one worker's replica of a data-parallel run: its dictionary and step use {@code collective},
     * and its batches are its N/W rows of each global batch.
     *
     * @param collective the run's workers
     * @return the run
     * @throws IllegalArgumentException also naming {@code batch.size}, {@code query.bn-groups} or
     *     the dictionary's setting if the workers cannot share it evenly, or if the dictionary
     *     cannot run data-parallel
     */
    public static AssembledRun assemble(MocoConfig config, Encoder queryEncoder, EncoderDescription description,
            TrainingData data, DictionaryRegistry dictionaries, Collective collective) {
        requireFits(config, queryEncoder, data);
        collective.share(MocoConfig.BATCH_SIZE, config.getInt(MocoConfig.BATCH_SIZE));
        Dictionary dictionary = dictionaries.create(config.getString(MocoConfig.DICTIONARY),
                dictionaryContext(config, queryEncoder, data, collective));
        MocoTrainer trainer;
        try {
            trainer = trainer(config, queryEncoder, dictionary, loss(config), optimizer(config, queryEncoder), collective);
        } catch (RuntimeException e) {
            dictionary.close();
            throw e;
        }
        return run(config, description, trainer, data, augmentation(config, data));
    }

    /** The MoCo step over its parts, its query BN in {@code query.bn-groups} groups over all workers. */
    public static MocoTrainer trainer(MocoConfig config, Encoder queryEncoder, Dictionary dictionary, ContrastiveLoss loss,
            Optimizer optimizer, Collective collective) {
        return new MocoTrainer(queryEncoder, dictionary, loss, optimizer, config.getInt(MocoConfig.QUERY_BN_GROUPS),
                collective);
    }

    /**
     * @throws IllegalArgumentException if the encoder's output width is not {@code feature.dim},
     *     or the training set is smaller than one batch
     */
    public static void requireFits(MocoConfig config, Encoder queryEncoder, TrainingData data) {
        int featureDimension = config.getInt(MocoConfig.FEATURE_DIM);
        if (queryEncoder.outputDimension() != featureDimension) {
            throw new IllegalArgumentException("the query encoder (" + queryEncoder.getClass().getSimpleName()
                    + ") outputs " + queryEncoder.outputDimension() + " features but " + MocoConfig.FEATURE_DIM
                    + " is " + featureDimension + "; set " + MocoConfig.FEATURE_DIM + "=" + queryEncoder.outputDimension()
                    + " or give the encoder a head of " + featureDimension + " outputs");
        }
        int batch = config.getInt(MocoConfig.BATCH_SIZE);
        if (data.images().size() < batch) {
            throw new IllegalArgumentException("the training set has " + data.images().size()
                    + " images, fewer than one batch (" + MocoConfig.BATCH_SIZE + "=" + batch + ")");
        }
    }

    /** InfoNCE at {@code temperature}. */
    public static ContrastiveLoss loss(MocoConfig config) {
        return new InfoNceLoss(config.getDouble(MocoConfig.TEMPERATURE));
    }

    /** SGD with momentum and weight decay under the configured schedule, over the query encoder's views. */
    public static Optimizer optimizer(MocoConfig config, Encoder queryEncoder) {
        double lr = config.getDouble(MocoConfig.LEARNING_RATE);
        SgdMomentum rule = new SgdMomentum(lr, config.getDouble(MocoConfig.MOMENTUM), schedule(config, lr));
        return new Optimizer(rule, config.getDouble(MocoConfig.WEIGHT_DECAY), queryEncoder.parameters(),
                queryEncoder.gradients());
    }

    /** What a dictionary provider is given: the run's sizes, seed, settings and workers, and the images in index order. */
    public static DictionaryContext dictionaryContext(MocoConfig config, Encoder queryEncoder, TrainingData data,
            Collective collective) {
        int batch = config.getInt(MocoConfig.BATCH_SIZE);
        return new ConfiguredDictionaryContext(config, queryEncoder, data.images().size(), () -> data.inIndexOrder(batch),
                collective);
    }

    /** The augmentation of both views, as {@code augmentation} names it. */
    public static AugmentationPipeline augmentation(MocoConfig config, TrainingData data) {
        int size = config.getInt(MocoConfig.IMAGE_SIZE);
        return AugmentationPreset.parse(config.getString(MocoConfig.AUGMENTATION))
                .pipeline(data.images().shape(), size, size, data.normalize());
    }

    /** The run around a trainer: its batches (this worker's rows of them) and what checkpoints record. */
    public static AssembledRun run(MocoConfig config, EncoderDescription description, MocoTrainer trainer,
            TrainingData data, AugmentationPipeline augmentation) {
        long stepsPerEpoch = data.images().size() / config.getInt(MocoConfig.BATCH_SIZE);
        return new AssembledRun(config, description, trainer, data,
                BatchSource.augmented(data.images(), augmentation, config, trainer.collective()), stepsPerEpoch);
    }

    /** The learning-rate schedule {@code schedule} names, from {@code optimizer.lr}; null for constant. */
    static ISchedule schedule(MocoConfig config, double lr) {
        return switch (config.getString(MocoConfig.SCHEDULE)) {
            case "cosine" -> new CosineSchedule(lr, config.getInt(MocoConfig.EPOCHS));
            case "step" -> new StepDecaySchedule(lr, config.getIntList(MocoConfig.MILESTONES), config.getDouble(MocoConfig.GAMMA));
            default -> null;
        };
    }
}
