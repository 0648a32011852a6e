package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training step's input: two augmented views of the same N images; in a data-parallel run,
 * this worker's n = N/W of them (see {@link Collective}).
 */
public interface TrainingBatch {

    /** {@return the query view x_q, [N, channels, height, width]} */
    INDArray queryView();

    /** {@return the key view x_k, [N, channels, height, width]} */
    INDArray keyView();

    /** {@return each image's index in the training set (the memory bank's row), length N} */
    long[] sampleIndices();

    /** {@return the global step number, from 0; dictionaries derive per-step randomness from it} */
    long step();

    /** {@return N, the number of images in each view} */
    default int size() {
        return sampleIndices().length;
    }
}
