package dev.moco.api.testing;

import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import dev.moco.api.Encoder;
import dev.moco.api.SharedNegatives;
import dev.moco.api.TrainingBatch;
import dev.moco.api.kit.FeatureNormalization;
import dev.moco.api.kit.FixedKeys;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dictionary for moco-core's tests, registered in this module's test
 * {@code META-INF/services} as {@code fixed}: {@code fixed.count} random unit negatives, and
 * the key view through the query encoder in inference mode as positives.
 */
public final class FixedNegativesProvider implements DictionaryProvider {

    @Override
    public String name() {
        return "fixed";
    }

    @Override
    public Map<String, String> settings() {
        return Map.of("fixed.count", "6");
    }

    @Override
    public Dictionary create(DictionaryContext context) {
        int count = context.intSetting("fixed.count");
        double[] values = new java.util.SplittableRandom(context.seed()).doubles((long) count * context.featureDimension())
                .map(u -> u - 0.5).toArray();
        INDArray negatives = FeatureNormalization.normalize(Nd4j.create(values, new long[] {count, context.featureDimension()},
                context.queryEncoder().parameters().dataType()));
        Encoder encoder = context.queryEncoder();
        return new Dictionary() {
            public SharedNegatives contrast(TrainingBatch batch, INDArray queries) {
                return new FixedKeys(FeatureNormalization.normalize(
                        encoder.forward(batch.keyView(), Encoder.Mode.INFERENCE).output()), negatives);
            }
            public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {}
            public long negativesPerQuery() { return negatives.size(0); }
            public Map<String, INDArray> state() { return Map.of(); }
            public void restore(Map<String, INDArray> state) {}
            public long memoryBytes() { return 0; }
        };
    }
}
