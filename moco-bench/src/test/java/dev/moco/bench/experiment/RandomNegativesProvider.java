package dev.moco.bench.experiment;

import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import dev.moco.api.TrainingBatch;
import dev.moco.api.kit.FeatureNormalization;
import dev.moco.api.kit.FixedKeys;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A third-party mechanism for the experiment tests, installed only on moco-bench's test class
 * path: positives are the queries' own detached copies, negatives K random unit vectors
 * drawn once. It is here to be added by name to {@code experiment mechanisms}.
 */
public final class RandomNegativesProvider implements DictionaryProvider {

    static final String NAME = "random-negatives";
    static final String COUNT = "random-negatives.count";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, String> settings() {
        return Map.of(COUNT, "32");
    }

    @Override
    public Dictionary create(DictionaryContext context) {
        int k = context.intSetting(COUNT);
        java.util.Random random = new java.util.Random(context.seed());
        double[] values = new double[k * context.featureDimension()];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        INDArray negatives = FeatureNormalization.normalize(Nd4j.createFromArray(values).reshape(k, context.featureDimension())
                .castTo(context.queryEncoder().parameters().dataType()));
        return new Dictionary() {
            @Override
            public Contrast contrast(TrainingBatch batch, INDArray queries) {
                return new FixedKeys(queries.dup(), negatives);
            }

            @Override
            public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {
            }

            @Override
            public long negativesPerQuery() {
                return k;
            }

            @Override
            public Map<String, INDArray> state() {
                return Map.of("negatives", negatives);
            }

            @Override
            public void restore(Map<String, INDArray> state) {
                negatives.assign(state.get("negatives"));
            }

            @Override
            public long memoryBytes() {
                return negatives.length() * negatives.dataType().width();
            }
        };
    }
}
