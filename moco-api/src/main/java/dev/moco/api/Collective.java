package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The workers of one data-parallel pretraining, as the step and a dictionary see them: W
 * workers (processes, or threads in a test), each holding a replica of the encoders, the
 * optimizer state and the dictionary, and each given N/W of the global batch's N images.
 *
 * <p>Every method is a collective call: all W workers make it, in the same order, with arrays
 * of the same shape and data type, and each returns when all have. A single-process run uses
 * {@link #SINGLE_PROCESS}, for which every call is the identity.
 *
 * <pre>{@code
 * collective.sumInPlace(queryEncoder.gradients());        // Σ over workers, on every worker
 * INDArray allKeys = collective.gatherRows(localKeys);  // [W·n, C], worker 0's rows first
 * }</pre>
 */
public interface Collective {

    /** One worker alone: rank 0 of 1; sums and gathers return their input. */
    Collective SINGLE_PROCESS = new Collective() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int workers() {
            return 1;
        }

        @Override
        public void sumInPlace(INDArray values) {
            // one worker: the sum is the value
        }

        @Override
        public String toString() {
            return "single process";
        }
    };

    /** {@return this worker's rank, 0 ≤ rank &lt; {@link #workers()}} */
    int rank();

    /** {@return W, the number of workers} */
    int workers();

    /**
     * Replaces {@code values} on every worker by the element-wise sum of every worker's
     * {@code values}.
     *
     * @param values a contiguous array, the same shape and data type on every worker
     */
    void sumInPlace(INDArray values);

    /**
     * Concatenates every worker's {@code local} rows in rank order, as the reference code's
     * {@code concat_all_gather}: the result is [W·n, ...] with worker r's rows at r·n. The default
     * sums a zeroed buffer in which each worker has written its own rows, so every element is
     * x + 0 + ... + 0 and the result is exact.
     *
     * @param local [n, ...], the same shape on every worker
     * @return a new array, the same on every worker
     */
    default INDArray gatherRows(INDArray local) {
        if (workers() == 1) {
            return local.dup();
        }
        long n = local.size(0);
        long[] shape = local.shape().clone();
        shape[0] = n * workers();
        INDArray all = Nd4j.zeros(local.dataType(), shape);
        all.get(NDArrayIndex.interval(rank() * n, (rank() + 1) * n)).assign(local);
        sumInPlace(all);
        return all;
    }

    /**
     * {@return this worker's rows of a global [W·n, ...] array, a view at rows rank·n to (rank+1)·n}
     *
     * @param global an array whose first dimension is divisible by W
     */
    default INDArray ownRows(INDArray global) {
        long n = global.size(0) / workers();
        if (n * workers() != global.size(0)) {
            throw new IllegalArgumentException(global.size(0) + " rows cannot be split over " + workers() + " workers");
        }
        return global.get(NDArrayIndex.interval(rank() * n, (rank() + 1) * n));
    }
}
