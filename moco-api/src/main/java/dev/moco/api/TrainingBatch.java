package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/** One training step's input: two augmented views of the same N images. */
public interface TrainingBatch {

    /** The query view x_q, [N, channels, height, width]. */
    INDArray queryView();

    /** The key view x_k, [N, channels, height, width]. */
    INDArray keyView();

    /** Each image's index in the training set (the memory bank's row), length N. */
    long[] sampleIndices();

    /** The global step number, from 0; dictionaries derive per-step randomness from it. */
    long step();

    /** N, the number of images in each view. */
    default int size() {
        return sampleIndices().length;
    }
}
