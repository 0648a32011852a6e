package dev.moco.bench.pretrain;

import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.core.MocoTrainer;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageShape;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.optim.CosineSchedule;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.optim.SgdMomentum;
import dev.moco.core.optim.StepDecaySchedule;
import dev.moco.core.wiring.ConfiguredDictionaryContext;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import java.util.Iterator;
import java.util.Locale;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Everything a training run is built from its configuration: the query encoder (from
 * {@code encoder}, {@code encoder.width}, {@code head}, {@code head.hidden},
 * {@code feature.dim}, {@code seed}), the dictionary (by {@code dictionary} name from the
 * installed providers), InfoNCE with {@code temperature}, SGD with momentum and weight decay
 * under the {@code schedule}, and the {@link MocoTrainer} over them.
 *
 * <pre>{@code
 * TrainingSetup setup = TrainingSetup.create(config, train.shape(), train.size(), DictionaryRegistry.discover());
 * StepResult r = setup.trainer().step(batch);
 * }</pre>
 *
 * @param config the validated configuration
 * @param encoderSpec the query encoder's specification (recorded in checkpoints)
 * @param trainer the trainer, holding the query encoder, dictionary and optimizer
 * @param implementation which code runs the encoder (see {@link EncoderImplementation})
 * @param datasetSize images in the training set
 */
public record TrainingSetup(MocoConfig config, EncoderSpec encoderSpec, EncoderImplementation implementation,
        MocoTrainer trainer, long datasetSize) {

    /**
     * @throws IllegalArgumentException if the data set is smaller than one batch, or a
     *     setting names an unknown encoder or dictionary
     */
    public static TrainingSetup create(MocoConfig config, ImageShape imageShape, long datasetSize,
            DictionaryRegistry dictionaries) {
        EncoderSpec spec = encoderSpec(config, imageShape.channels());
        return create(config, spec, EncoderImplementation.choose(spec, config.getString(MocoConfig.ENCODER_IMPLEMENTATION)), datasetSize, dictionaries, null);
    }

    /**
     * As {@link #create(MocoConfig, ImageShape, long, DictionaryRegistry)}, with the training
     * images in index order for a dictionary that encodes them once (memory-bank.init = encoder).
     */
    public static TrainingSetup create(MocoConfig config, ImageShape imageShape, long datasetSize,
            DictionaryRegistry dictionaries, Supplier<Iterator<INDArray>> trainingImages) {
        EncoderSpec spec = encoderSpec(config, imageShape.channels());
        return create(config, spec, EncoderImplementation.choose(spec, config.getString(MocoConfig.ENCODER_IMPLEMENTATION)), datasetSize, dictionaries, trainingImages);
    }

    /**
     * As {@link #create(MocoConfig, ImageShape, long, DictionaryRegistry, Supplier)}, with the
     * encoder implementation given; {@code trainingImages} may be null when there is no
     * training set to read.
     */
    public static TrainingSetup create(MocoConfig config, EncoderSpec spec, EncoderImplementation implementation,
            long datasetSize, DictionaryRegistry dictionaries, Supplier<Iterator<INDArray>> trainingImages) {
        int batch = config.getInt(MocoConfig.BATCH_SIZE);
        if (datasetSize < batch) {
            throw new IllegalArgumentException("the training set has " + datasetSize + " images, fewer than one batch ("
                    + MocoConfig.BATCH_SIZE + "=" + batch + ")");
        }
        long stepsPerEpoch = datasetSize / batch;
        Encoder encoder = implementation.create(spec);
        ConfiguredDictionaryContext context = trainingImages == null
                ? new ConfiguredDictionaryContext(config, encoder, datasetSize)
                : new ConfiguredDictionaryContext(config, encoder, datasetSize, trainingImages);
        Dictionary dictionary = dictionaries.create(config.getString(MocoConfig.DICTIONARY), context);
        double lr = config.getDouble(MocoConfig.LEARNING_RATE);
        Optimizer optimizer = new Optimizer(
                new SgdMomentum(lr, config.getDouble(MocoConfig.MOMENTUM), schedule(config, lr)),
                config.getDouble(MocoConfig.WEIGHT_DECAY), encoder.parameters());
        MocoTrainer trainer = new MocoTrainer(encoder, dictionary,
                new InfoNceLoss(config.getDouble(MocoConfig.TEMPERATURE)), optimizer, stepsPerEpoch,
                config.getInt(MocoConfig.QUERY_BN_GROUPS));
        return new TrainingSetup(config, spec, implementation, trainer, datasetSize);
    }

    /** The query encoder's specification from the configuration, for images of {@code channels}. */
    public static EncoderSpec encoderSpec(MocoConfig config, int channels) {
        return EncoderSpec.of(config.getString(MocoConfig.ENCODER))
                .withInputChannels(channels)
                .withWidthMultiplier(config.getInt(MocoConfig.ENCODER_WIDTH))
                .withHead(HeadType.valueOf(config.getString(MocoConfig.HEAD).toUpperCase(Locale.ROOT)))
                .withHeadHiddenDimension(config.getInt(MocoConfig.HEAD_HIDDEN))
                .withFeatureDimension(config.getInt(MocoConfig.FEATURE_DIM))
                .withSeed(config.getLong(MocoConfig.SEED));
    }

    private static ISchedule schedule(MocoConfig config, double lr) {
        return switch (config.getString(MocoConfig.SCHEDULE)) {
            case "cosine" -> new CosineSchedule(lr, config.getInt(MocoConfig.EPOCHS));
            case "step" -> new StepDecaySchedule(lr, config.getIntList(MocoConfig.MILESTONES), config.getDouble(MocoConfig.GAMMA));
            default -> null;
        };
    }

    public Encoder queryEncoder() {
        return trainer.queryEncoder();
    }

    public Dictionary dictionary() {
        return trainer.dictionary();
    }

    public long stepsPerEpoch() {
        return trainer.stepsPerEpoch();
    }

    public int epochs() {
        return config.getInt(MocoConfig.EPOCHS);
    }
}
