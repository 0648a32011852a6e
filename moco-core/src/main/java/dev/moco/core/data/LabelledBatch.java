package dev.moco.core.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Consecutive images of a data set with their labels, for evaluation and feature export.
 *
 * @param images [n, C, H, W] float32
 * @param labels each image's label (-1 when unlabelled)
 * @param firstIndex the data set index of the first image; image i is {@code firstIndex + i}
 */
public record LabelledBatch(INDArray images, int[] labels, int firstIndex) {

    public int size() {
        return labels.length;
    }
}
