package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one batch of queries is contrasted with: the result of a dictionary look-up
 * ({@link Dictionary#contrast}). Query i's positive key k+ is row i of {@link #positives()};
 * where its negatives come from is what the two kinds of contrast differ in:
 *
 * <ul>
 *   <li>{@link SharedNegatives}: K negatives shared by the whole batch, carrying no gradient
 *       (the MoCo queue, the memory bank; He et al. 2020, Fig. 2b and 2c);
 *   <li>{@link InBatchKeys}: the other queries' positives are a query's negatives (K = N − 1),
 *       and the loss is back-propagated into the keys (end-to-end, Fig. 2a).
 * </ul>
 *
 * <p>A dictionary returns one of the two; the trainer and the loss dispatch on the kind, so a
 * contrast cannot claim gradient it has no backward for.
 */
public sealed interface Contrast permits SharedNegatives, InBatchKeys {

    /** {@return the positive keys k+, L2-normalised, [N, C]: row i belongs to query i} */
    INDArray positives();
}
