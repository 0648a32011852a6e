package dev.moco.bench.throughput;

import dev.moco.api.DictionaryContext;
import dev.moco.api.Encoder;
import java.util.Map;

/**
 * The {@link DictionaryContext} of a throughput run: explicit values for the settings the
 * benchmark controls (queue size, memory-bank negatives), the provider's declared defaults for
 * the rest.
 */
record BenchmarkDictionaryContext(Encoder queryEncoder, int batchSize, int shuffleGroups, long datasetSize, long seed,
                                  Map<String, String> settings) implements DictionaryContext {

    @Override
    public int featureDimension() {
        return queryEncoder.outputDimension();
    }

    /** A throughput run trains on random images: there is no training set to encode. */
    @Override
    public java.util.Iterator<org.nd4j.linalg.api.ndarray.INDArray> trainingImagesInIndexOrder() {
        throw new IllegalStateException("the throughput benchmark runs on random images and has no training set"
                + " (memory-bank.init = encoder cannot be benchmarked)");
    }

    @Override
    public int intSetting(String key) {
        return Integer.parseInt(setting(key));
    }

    @Override
    public double doubleSetting(String key) {
        return Double.parseDouble(setting(key));
    }

    @Override
    public String stringSetting(String key) {
        return setting(key);
    }

    private String setting(String key) {
        String value = settings.get(key);
        if (value == null) {
            throw new IllegalArgumentException("dictionary setting '" + key + "' is not declared; known: " + settings.keySet());
        }
        return value.trim();
    }
}
