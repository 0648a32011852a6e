package dev.moco.core.wiring;

import dev.moco.api.Collective;
import dev.moco.api.DictionaryContext;
import dev.moco.api.Encoder;
import dev.moco.core.config.MocoConfig;
import java.util.Iterator;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link DictionaryContext} backed by a validated {@link MocoConfig}.
 *
 * @param trainingImages opens the training images in index order, without augmentation
 * @param collective the run's workers
 */
public record ConfiguredDictionaryContext(MocoConfig config, Encoder queryEncoder, long datasetSize,
        Supplier<Iterator<INDArray>> trainingImages, Collective collective) implements DictionaryContext {

    /** A context for a single-process run. */
    public ConfiguredDictionaryContext(MocoConfig config, Encoder queryEncoder, long datasetSize,
            Supplier<Iterator<INDArray>> trainingImages) {
        this(config, queryEncoder, datasetSize, trainingImages, Collective.SINGLE_PROCESS);
    }

    /** A context for a run without a training set to read (benchmarks on random data). */
    public ConfiguredDictionaryContext(MocoConfig config, Encoder queryEncoder, long datasetSize) {
        this(config, queryEncoder, datasetSize, () -> {
            throw new IllegalStateException("this run has no training set to read in index order"
                    + " (a dictionary asked for it, e.g. memory-bank.init = encoder)");
        });
    }

    @Override
    public Iterator<INDArray> trainingImagesInIndexOrder() {
        return trainingImages.get();
    }

    @Override
    public int featureDimension() {
        return queryEncoder.outputDimension();
    }

    @Override
    public int batchSize() {
        return config.getInt(MocoConfig.BATCH_SIZE);
    }

    @Override
    public int shuffleGroups() {
        return config.getInt(MocoConfig.SHUFFLE_GROUPS);
    }

    @Override
    public boolean shuffleKeys() {
        return Boolean.parseBoolean(config.getString(MocoConfig.SHUFFLE_ENABLED));
    }

    @Override
    public long seed() {
        return config.getLong(MocoConfig.SEED);
    }

    @Override
    public int intSetting(String key) {
        return config.getInt(key);
    }

    @Override
    public double doubleSetting(String key) {
        return config.getDouble(key);
    }

    @Override
    public String stringSetting(String key) {
        return config.getString(key);
    }
}
