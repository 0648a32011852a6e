package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one batch of queries is contrasted with: the result of a dictionary look-up.
 *
 * <p>Query i's positive is row i of {@link #positives()}. Its negatives are either every row
 * of {@link #negatives()} (queue, memory bank: shared by the batch) or, when
 * {@link #negativesAreOtherPositives()}, the positives of the other queries of the batch
 * (end-to-end: K = N − 1).
 */
public interface Contrast {

    /** Positive keys k+, L2-normalised, [N, C]. */
    INDArray positives();

    /**
     * Negative keys shared by every query of the batch, L2-normalised, [K, C]. When
     * {@link #negativesAreOtherPositives()} this is {@link #positives()} itself.
     */
    INDArray negatives();

    /** True for in-batch negatives: query i's negatives are positives j ≠ i. */
    boolean negativesAreOtherPositives();

    /** True if the loss must be back-propagated into the keys (end-to-end). */
    boolean keysCarryGradient();

    /**
     * Back-propagates d loss / d positives into whatever produced the keys. Called once,
     * only when {@link #keysCarryGradient()}.
     */
    void backwardKeys(INDArray keyGradient);
}
