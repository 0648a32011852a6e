package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss over queries and what a {@link Dictionary} contrasts them with, with its
 * gradients. The default is InfoNCE (He et al. 2020, Eq. 1): logits [q·k+ | q·negatives]/T,
 * the positive in column 0, cross-entropy with label 0.
 *
 * <pre>{@code
 * ContrastiveLoss.Result r = loss.compute(queries, dictionary.contrast(batch, queries));
 * double value = r.loss();
 * INDArray dq = r.queryGradient();
 * }</pre>
 */
public interface ContrastiveLoss {

    /**
     * @param queries L2-normalised queries, [N, C]
     * @param contrast positives and negatives for these queries
     */
    Result compute(INDArray queries, Contrast contrast);

    /** Value and gradients of one evaluation. */
    interface Result {
        /** The mean loss over the batch. */
        double loss();

        /** Fraction of queries whose positive has the largest logit (the pretext accuracy). */
        double accuracy();

        /** d loss / d queries, [N, C]. */
        INDArray queryGradient();

        /**
         * d loss / d {@link Contrast#positives()}, [N, C], including their role as negatives
         * when {@link Contrast#negativesAreOtherPositives()}; null unless
         * {@link Contrast#keysCarryGradient()}.
         */
        INDArray keyGradient();
    }
}
