package dev.moco.core.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.moco.api.ContrastiveLoss;
import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
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
import dev.moco.core.run.internal.BatchSource;
import dev.moco.core.run.internal.EncoderDescription;
import dev.moco.core.run.internal.TrainingRun;
import java.util.ServiceLoader;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The Guice wiring of one training run, from its configuration: the dictionary by its
 * {@code dictionary} name among the {@link DictionaryProvider}s {@link ServiceLoader} finds
 * ({@link DictionaryModule}), InfoNCE with {@code temperature}, SGD with momentum and weight
 * decay under the {@code schedule} over the query encoder's views, the augmentation of the
 * two views, and the {@link MocoTrainer} over them. The query encoder and the training data
 * come from the caller.
 *
 * <p>Every binding can be replaced with {@code Modules.override}:
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(Modules.override(new MocoModule(config, encoder, data))
 *         .with(binder -> binder.bind(ContrastiveLoss.class).toInstance(myLoss)));
 * MocoTrainer trainer = injector.getInstance(MocoTrainer.class);
 * TrainingRun run = injector.getInstance(TrainingRun.class);       // the trainer, its batches, what checkpoints record
 * }</pre>
 */
public final class MocoModule extends AbstractModule {
    private final MocoConfig config;
    private final Encoder queryEncoder;
    private final EncoderDescription encoderDescription;
    private final TrainingData data;
    private final Iterable<DictionaryProvider> providers;

    /**
     * A run of {@code config} training {@code queryEncoder} on {@code data}, with the dictionaries on the class path.
     *
     * @param config the validated configuration
     * @param queryEncoder the encoder to train
     * @param data the training images and their normalisation
     */
    public MocoModule(MocoConfig config, Encoder queryEncoder, TrainingData data) {
        this(config, queryEncoder, EncoderDescription.of(queryEncoder), data, ServiceLoader.load(DictionaryProvider.class));
    }

    /**
     * As {@link #MocoModule(MocoConfig, Encoder, TrainingData)}, with the given dictionary providers.
     *
     * @param config the validated configuration
     * @param queryEncoder the encoder to train
     * @param data the training images and their normalisation
     * @param providers the dictionary mechanisms to choose from by name
     */
    public MocoModule(MocoConfig config, Encoder queryEncoder, TrainingData data, Iterable<DictionaryProvider> providers) {
        this(config, queryEncoder, EncoderDescription.of(queryEncoder), data, providers);
    }

    /**
     * The general form.
     *
     * @param config the validated configuration
     * @param queryEncoder the encoder to train
     * @param encoderDescription what checkpoints record of its architecture
     * @param data the training images and their normalisation
     * @param providers the dictionary mechanisms to choose from by name
     */
    public MocoModule(MocoConfig config, Encoder queryEncoder, EncoderDescription encoderDescription, TrainingData data,
            Iterable<DictionaryProvider> providers) {
        this.config = config;
        this.queryEncoder = queryEncoder;
        this.encoderDescription = encoderDescription;
        this.data = data;
        this.providers = providers;
    }

    @Override
    protected void configure() {
        install(new DictionaryModule(providers));
        bind(MocoConfig.class).toInstance(config);
        bind(Encoder.class).toInstance(queryEncoder);
        bind(TrainingData.class).toInstance(data);
        bind(EncoderDescription.class).toInstance(encoderDescription);
    }

    @Provides
    @Singleton
    static ContrastiveLoss loss(MocoConfig config) {
        return new InfoNceLoss(config.getDouble(MocoConfig.TEMPERATURE));
    }

    @Provides
    @Singleton
    static Optimizer optimizer(MocoConfig config, Encoder queryEncoder) {
        double lr = config.getDouble(MocoConfig.LEARNING_RATE);
        SgdMomentum rule = new SgdMomentum(lr, config.getDouble(MocoConfig.MOMENTUM), schedule(config, lr));
        return new Optimizer(rule, config.getDouble(MocoConfig.WEIGHT_DECAY),
                queryEncoder.parameters(), queryEncoder.gradients());
    }

    @Provides
    static DictionaryContext dictionaryContext(MocoConfig config, Encoder queryEncoder, TrainingData data) {
        int batch = config.getInt(MocoConfig.BATCH_SIZE);
        return new ConfiguredDictionaryContext(config, queryEncoder, data.images().size(), () -> data.inIndexOrder(batch));
    }

    @Provides
    @Singleton
    static Dictionary dictionary(MocoConfig config, DictionaryRegistry registry, DictionaryContext context) {
        return registry.create(config.getString(MocoConfig.DICTIONARY), context);
    }

    @Provides
    static AugmentationPipeline augmentation(MocoConfig config, TrainingData data) {
        int size = config.getInt(MocoConfig.IMAGE_SIZE);
        return AugmentationPreset.parse(config.getString(MocoConfig.AUGMENTATION))
                .pipeline(data.images().shape(), size, size, data.normalize());
    }

    /**
     * @throws IllegalArgumentException if the encoder's output width is not {@code feature.dim},
     *     or the training set is smaller than one batch
     */
    @Provides
    @Singleton
    static MocoTrainer trainer(MocoConfig config, Encoder queryEncoder, Dictionary dictionary, ContrastiveLoss loss,
            Optimizer optimizer, TrainingData data) {
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
        return new MocoTrainer(queryEncoder, dictionary, loss, optimizer, config.getInt(MocoConfig.QUERY_BN_GROUPS));
    }

    @Provides
    @Singleton
    static TrainingRun run(MocoConfig config, EncoderDescription encoder, MocoTrainer trainer, TrainingData data,
            AugmentationPipeline augmentation) {
        long stepsPerEpoch = data.images().size() / config.getInt(MocoConfig.BATCH_SIZE);
        return new TrainingRun(config, encoder, trainer, data, BatchSource.augmented(data.images(), augmentation, config),
                stepsPerEpoch);
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
