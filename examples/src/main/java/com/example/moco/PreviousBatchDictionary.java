package com.example.moco;

import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.SharedNegatives;
import dev.moco.api.TrainingBatch;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A toy mechanism of the example's own: the keys are the query encoder's inference-mode
 * features of the key view, and the negatives are the keys of the previous step (a queue of
 * one batch without a momentum encoder). Random unit vectors stand in before the first step.
 */
final class PreviousBatchDictionary implements Dictionary {

    private final Encoder encoder;
    private final INDArray previousKeys;

    PreviousBatchDictionary(Encoder queryEncoder, int batchSize, long seed) {
        this.encoder = queryEncoder;
        double[] uniform = new java.util.Random(seed).doubles((long) batchSize * queryEncoder.outputDimension()).toArray();
        INDArray random = Nd4j.create(uniform, new long[] {batchSize, queryEncoder.outputDimension()},
                queryEncoder.parameters().dataType()).subi(0.5);
        this.previousKeys = unitRows(random);
    }

    private static INDArray unitRows(INDArray x) {
        return x.divColumnVector(x.norm2(true, 1));
    }

    @Override
    public SharedNegatives contrast(TrainingBatch batch, INDArray queries) {
        INDArray keys = unitRows(encoder.forward(batch.keyView(), Encoder.Mode.INFERENCE).output());
        INDArray negatives = previousKeys;
        return new SharedNegatives() {
            @Override
            public INDArray positives() {
                return keys;
            }

            @Override
            public INDArray negatives() {
                return negatives;
            }
        };
    }

    @Override
    public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {
        previousKeys.assign(contrast.positives());    // into the array made beforehand: the step's own arrays end with it
    }

    @Override
    public long negativesPerQuery() {
        return previousKeys.size(0);
    }

    @Override
    public Map<String, INDArray> state() {
        return Map.of("previous-keys", previousKeys);
    }

    @Override
    public void restore(Map<String, INDArray> state) {
        previousKeys.assign(state.get("previous-keys"));
    }

    @Override
    public long memoryBytes() {
        return previousKeys.length() * previousKeys.dataType().width();
    }
}
