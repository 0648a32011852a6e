package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The workers of one data-parallel pretraining, as the step and a dictionary see them: W
 * workers (processes, or threads in a test), each holding a replica of the encoders, the
 * optimizer state and the dictionary, and each given N/W of the global batch's N images
 * (worker r the rows r·N/W to (r+1)·N/W). Placed where one process would sum, its calls make
 * the run the single-process run with the same N, except for the order of floating-point
 * sums: the step averages the query encoder's gradients, a queue gathers all N keys.
 *
 * <p>Every method is a collective call: all W workers make it, in the same order, with arrays
 * of the same shape and data type, and each returns when all have. The arrays the run passes
 * are dense (C order, element stride 1) and of a floating-point type: the encoder's (FLOAT for
 * every encoder moco ships), or FLOAT. A single-process run uses {@link #SINGLE_PROCESS}, for
 * which every call is the identity and which no step pays for.
 *
 * <pre>{@code
 * collective.meanInPlace(queryEncoder.gradients());     // mean over workers, on every worker
 * INDArray allKeys = collective.gatherRows(localKeys);  // [W·n, C], worker 0's rows first
 * }</pre>
 */
public interface Collective {

    /** One worker alone: rank 0 of 1; sums and gathers return their input. */
    Collective SINGLE_PROCESS = SingleProcess.INSTANCE;

    /** The collective of a run that is one process, {@link #SINGLE_PROCESS}. */
    enum SingleProcess implements Collective {
        /** The one worker. */
        INSTANCE;

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
    }

    /** {@return this worker's rank, 0 ≤ rank &lt; {@link #workers()}} */
    int rank();

    /** {@return W, the number of workers} */
    int workers();

    /**
     * Replaces {@code values} on every worker by the element-wise sum of every worker's
     * {@code values}. The result must be the same, bit for bit, on every worker (a ring
     * all-reduce's is): the replicas stay equal only if they apply equal updates.
     *
     * @param values a dense array (C order, element stride 1) of a floating-point type, the
     *     same shape and data type on every worker
     */
    void sumInPlace(INDArray values);

    /**
     * Replaces {@code values} on every worker by the element-wise mean over workers, Σ / W:
     * the gradient of the global batch's mean loss from the workers' gradients of their own
     * rows' mean loss, or batch-norm running statistics that each worker updated from its own
     * groups. Nothing is called for one worker or an empty array.
     *
     * @param values as for {@link #sumInPlace}
     */
    default void meanInPlace(INDArray values) {
        if (workers() > 1 && values.length() > 0) {
            sumInPlace(values);
            values.divi(workers());
        }
    }

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
     * Concatenates every worker's {@code local} indices in rank order (a memory bank's sample
     * indices), exactly: each index travels as two FLOAT halves of 24 bits, integers that a
     * float holds exactly, through {@link #gatherRows}.
     *
     * @param local indices in [0, 2⁴⁸), the same count on every worker
     * @return W·n indices, worker r's at r·n
     * @throws IllegalArgumentException if an index is outside [0, 2⁴⁸)
     */
    default long[] gatherIndices(long[] local) {
        if (workers() == 1) {
            return local.clone();
        }
        float[][] halves = new float[local.length][2];
        for (int i = 0; i < local.length; i++) {
            if (local[i] < 0 || local[i] >= 1L << 48) {
                throw new IllegalArgumentException("index " + local[i] + " at position " + i + " is outside [0, 2^48)");
            }
            halves[i][0] = local[i] >>> 24;
            halves[i][1] = local[i] & 0xFFFFFF;
        }
        INDArray all = gatherRows(Nd4j.createFromArray(halves));
        long[] indices = new long[(int) all.size(0)];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = ((long) all.getFloat(i, 0) << 24) | (long) all.getFloat(i, 1);
        }
        return indices;
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

    /**
     * This worker's equal share of a quantity the run counts over all workers: n = N/W of the
     * {@code batch.size} images, G/W of the {@code shuffle.groups} or {@code query.bn-groups}
     * batch-norm groups. The check a data-parallel run makes, with one message for all.
     *
     * @param setting the configuration key that sets {@code total}, named in the error
     * @param total the quantity over all workers, at least 1
     * @return {@code total} / W
     * @throws IllegalArgumentException naming the setting, its value and W, if W does not divide it
     */
    default int share(String setting, int total) {
        if (total < 1 || total % workers() != 0) {
            throw new IllegalArgumentException(setting + " = " + total + " cannot be split over the " + workers()
                    + " workers of this data-parallel run: each worker takes " + setting + " / " + workers()
                    + ", so " + setting + " must be a multiple of " + workers());
        }
        return total / workers();
    }
}
