package dev.moco.core.data;

import dev.moco.api.TrainingBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link TrainingBatch} from a {@link TwoViewBatchLoader}, which also says where in the
 * run it belongs.
 *
 * @param queryView x_q, [N, C, H, W] float32
 * @param keyView x_k, [N, C, H, W] float32, the same images augmented independently
 * @param sampleIndices each image's index in the training data set
 * @param step global step number, from 0
 * @param epoch the epoch this batch belongs to, from 0
 * @param stepInEpoch the batch's position in its epoch, from 0
 */
public record TwoViewBatch(INDArray queryView, INDArray keyView, long[] sampleIndices, long step,
        int epoch, long stepInEpoch) implements TrainingBatch {
}
