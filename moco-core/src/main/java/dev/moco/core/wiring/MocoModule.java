package dev.moco.core.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.ProvisionException;
import com.google.inject.Singleton;
import dev.moco.api.Collective;
import dev.moco.api.ContrastiveLoss;
import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import dev.moco.api.Encoder;
import dev.moco.core.MocoTrainer;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.run.EncoderDescription;
import dev.moco.core.run.internal.AssembledRun;
import dev.moco.core.run.internal.RunAssembly;
import java.util.ServiceLoader;

/**
 * The Guice wiring of one training run, for a user who wants to replace one of its parts: the
 * dictionary by its {@code dictionary} name among the {@link DictionaryProvider}s
 * {@link ServiceLoader} finds ({@link DictionaryModule}), InfoNCE with {@code temperature},
 * SGD with momentum and weight decay under the {@code schedule}, the augmentation of the two
 * views, and the {@link MocoTrainer} over them. Each binding is made by the same code as
 * {@code Pretraining}'s plain assembly ({@code RunAssembly}); the query encoder and the
 * training data come from the caller. The run is one process ({@link Collective#SINGLE_PROCESS});
 * binding another {@link Collective} over it makes it one worker's replica of a data-parallel run.
 *
 * <pre>{@code
 * MocoTrainer trainer = MocoModule.trainer(Modules.override(new MocoModule(config, encoder, data))
 *         .with(binder -> binder.bind(ContrastiveLoss.class).toInstance(myLoss)));
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
        bind(Collective.class).toInstance(Collective.SINGLE_PROCESS);
    }

    @Provides
    @Singleton
    static ContrastiveLoss loss(MocoConfig config) {
        return RunAssembly.loss(config);
    }

    @Provides
    @Singleton
    static Optimizer optimizer(MocoConfig config, Encoder queryEncoder) {
        return RunAssembly.optimizer(config, queryEncoder);
    }

    @Provides
    static DictionaryContext dictionaryContext(MocoConfig config, Encoder queryEncoder, TrainingData data,
            Collective collective) {
        return RunAssembly.dictionaryContext(config, queryEncoder, data, collective);
    }

    @Provides
    @Singleton
    static Dictionary dictionary(MocoConfig config, DictionaryRegistry registry, DictionaryContext context) {
        return registry.create(config.getString(MocoConfig.DICTIONARY), context);
    }

    @Provides
    static AugmentationPipeline augmentation(MocoConfig config, TrainingData data) {
        return RunAssembly.augmentation(config, data);
    }

    /**
     * @throws IllegalArgumentException if the encoder's output width is not {@code feature.dim},
     *     or the training set is smaller than one batch
     */
    @Provides
    @Singleton
    static MocoTrainer trainer(MocoConfig config, Encoder queryEncoder, Dictionary dictionary, ContrastiveLoss loss,
            Optimizer optimizer, TrainingData data, Collective collective) {
        RunAssembly.requireFits(config, queryEncoder, data);
        return RunAssembly.trainer(config, queryEncoder, dictionary, loss, optimizer, collective);
    }

    @Provides
    @Singleton
    static AssembledRun run(MocoConfig config, EncoderDescription encoder, MocoTrainer trainer, TrainingData data,
            AugmentationPipeline augmentation) {
        return RunAssembly.run(config, encoder, trainer, data, augmentation);
    }

    /**
     * The trainer a module assembles (a {@code MocoModule}, perhaps with bindings overridden by
     * {@code Modules.override}), with a bad setting found while providing it (an unknown
     * dictionary, a K that does not fit) thrown as the {@link IllegalArgumentException} it is,
     * not wrapped by Guice.
     *
     * @param module the bindings of the run
     * @return the trainer
     */
    public static MocoTrainer trainer(Module module) {
        try {
            return Guice.createInjector(module).getInstance(MocoTrainer.class);
        } catch (ProvisionException e) {
            throw e.getCause() instanceof IllegalArgumentException iae ? iae : e;
        }
    }
}
