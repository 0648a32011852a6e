package dev.moco.core;

import dev.moco.api.TrainingBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A plain {@link TrainingBatch}. */
public record Batch(INDArray queryView, INDArray keyView, long[] sampleIndices, long step)
        implements TrainingBatch {

    public Batch {
        if (queryView.size(0) != sampleIndices.length || keyView.size(0) != sampleIndices.length) {
            throw new IllegalArgumentException("views of " + queryView.size(0) + " and "
                    + keyView.size(0) + " images for " + sampleIndices.length + " sample indices");
        }
    }
}
