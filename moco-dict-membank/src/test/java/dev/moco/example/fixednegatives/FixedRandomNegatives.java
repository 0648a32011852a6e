package dev.moco.example.fixednegatives;

import dev.moco.api.Contrast;
import dev.moco.api.SharedNegatives;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.TrainingBatch;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A deliberately simple mechanism: the positives are the query encoder's features of the key
 * view in inference mode (no gradient, no key encoder), the negatives K unit vectors drawn
 * once from the seed and never changed. Uses moco-api and ND4J only.
 */
final class FixedRandomNegatives implements Dictionary {
    private final Encoder encoder;
    private final INDArray negatives;

    FixedRandomNegatives(Encoder encoder, int count, int featureDimension, long seed) {
        if (count < 1) {
            throw new IllegalArgumentException(FixedRandomNegativesProvider.COUNT + " = " + count + " must be >= 1");
        }
        this.encoder = encoder;
        Random random = new Random(seed);
        double[] values = new double[count * featureDimension];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        INDArray raw = Nd4j.create(values, new long[] {count, featureDimension}, encoder.parameters().dataType());
        this.negatives = unitRows(raw);
    }

    private static INDArray unitRows(INDArray x) {
        return x.divColumnVector(x.norm2(true, 1));
    }

    @Override
    public Contrast contrast(TrainingBatch batch, INDArray queries) {
        INDArray positives = unitRows(encoder.forward(batch.keyView(), Encoder.Mode.INFERENCE).output());
        return new SharedNegatives() {
            @Override public INDArray positives() { return positives; }
            @Override public INDArray negatives() { return negatives; }
        };
    }

    @Override
    public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {
    }

    @Override
    public long negativesPerQuery() {
        return negatives.rows();
    }

    @Override
    public Map<String, INDArray> state() {
        return Map.of("negatives", negatives);
    }

    @Override
    public void restore(Map<String, INDArray> state) {
        INDArray saved = state.get("negatives");
        if (saved == null || !java.util.Arrays.equals(saved.shape(), negatives.shape())) {
            throw new IllegalArgumentException("fixed-negatives: state entry 'negatives' is missing or not "
                    + java.util.Arrays.toString(negatives.shape()));
        }
        negatives.assign(saved);
    }

    @Override
    public long memoryBytes() {
        return negatives.length() * negatives.dataType().width();
    }
}
