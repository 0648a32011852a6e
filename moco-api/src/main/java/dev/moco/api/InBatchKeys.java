package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link Contrast} made of the batch's own keys, which carry gradient: key i is query i's
 * positive and a negative of every other query, so K = N − 1 (the end-to-end mechanism, He et
 * al. 2020, Fig. 2a). InfoNCE's logits are the [N, N] matrix q·kᵀ/T with the labels on the
 * diagonal.
 */
public non-sealed interface InBatchKeys extends Contrast {

    /**
     * Back-propagates d loss / d {@link #positives()} ([N, C], the keys in both their roles,
     * as positive and as negatives) into whatever computed the keys, adding into that
     * encoder's gradients. Called once per step, after the loss.
     *
     * @param keyGradient d loss / d keys, [N, C]
     * @throws IllegalStateException if called a second time
     * @throws IllegalArgumentException if the gradient's shape is not the keys'
     */
    void backward(INDArray keyGradient);
}
