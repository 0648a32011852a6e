package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss over queries and what a {@link Dictionary} contrasts them with, with its
 * gradients, one method per kind of {@link Contrast}. The default is InfoNCE (He et al. 2020,
 * Eq. 1): logits [q·k+ | q·negatives]/T, the positive in column 0, cross-entropy with label 0.
 *
 * <pre>{@code
 * ContrastiveLoss.Result r = loss.compute(queries, sharedNegatives);
 * double value = r.loss();
 * INDArray dq = r.queryGradient();
 * ContrastiveLoss.InBatchResult e = loss.compute(queries, inBatchKeys);
 * INDArray dk = e.keyGradient();
 * }</pre>
 */
public interface ContrastiveLoss {

    /**
     * The loss of queries against negatives shared by the batch; no gradient flows into the keys.
     *
     * @param queries L2-normalised queries, [N, C]
     * @param contrast the positives and the shared negatives for these queries
     * @return the loss, its pretext accuracy and d loss / d queries
     * @throws IllegalArgumentException if the queries and positives differ in shape
     */
    Result compute(INDArray queries, SharedNegatives contrast);

    /**
     * The loss of queries against the batch's own keys, with the gradient into the keys.
     *
     * @param queries L2-normalised queries, [N, C]
     * @param contrast the batch's keys: positives, and each other's negatives
     * @return the loss, its pretext accuracy, d loss / d queries and d loss / d keys
     * @throws IllegalArgumentException if the queries and keys differ in shape
     */
    InBatchResult compute(INDArray queries, InBatchKeys contrast);

    /** Value and query gradient of one evaluation. */
    interface Result {
        /** {@return the mean loss over the batch} */
        double loss();

        /** {@return the fraction of queries whose positive has the largest logit (the pretext accuracy)} */
        double accuracy();

        /** {@return d loss / d queries, [N, C]} */
        INDArray queryGradient();
    }

    /** A {@link Result} against {@link InBatchKeys}, with the gradient into the keys. */
    interface InBatchResult extends Result {
        /**
         * d loss / d {@link Contrast#positives()}, [N, C], including the keys' role as the
         * other queries' negatives.
         *
         * @return the key gradient
         */
        INDArray keyGradient();
    }
}
