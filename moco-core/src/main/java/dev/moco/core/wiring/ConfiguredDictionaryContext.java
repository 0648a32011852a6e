package dev.moco.core.wiring;

import dev.moco.api.DictionaryContext;
import dev.moco.api.Encoder;
import dev.moco.core.config.MocoConfig;

/** A {@link DictionaryContext} backed by a validated {@link MocoConfig}. */
public record ConfiguredDictionaryContext(MocoConfig config, Encoder queryEncoder, long datasetSize)
        implements DictionaryContext {

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
