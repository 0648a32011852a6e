package dev.moco.spark;

import dev.moco.api.Collective;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Communicator;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.java.XGBoostJNI;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * One worker's membership of XGBoost4J's collective: a ring all-reduce over TCP between the
 * workers a {@link CollectiveTracker} introduced, as the {@link Collective} a data-parallel
 * pretraining's step sums its gradients with. XGBoost's native library keeps a worker's
 * collective per thread (two Spark tasks in one JVM are two workers), so a worker joins once, on
 * the thread that will call it, and {@link #close() leaves} on that thread too.
 *
 * <pre>{@code
 * try (RingAllReduce ring = RingAllReduce.join(tracker.workerArgs(), rank)) {
 *     ring.sumInPlace(encoder.gradients());   // every worker now holds Σ over workers
 * }
 * }</pre>
 *
 * <p>Two ways to sum floats. {@link #sumThroughPublicApi(float[])} is XGBoost4J's
 * {@code Communicator.allReduce(float[], SUM)}, which copies element by element into a fresh
 * direct buffer and back on every call. {@link #sumInPlace(INDArray)} hands the native library
 * the ND4J array's own off-heap memory, so nothing is copied; it reaches the package-private
 * JNI entry point that the public method wraps, because 3.4.0 has no public one for a buffer.
 */
public final class RingAllReduce implements Collective, AutoCloseable {

    /** The tracker argument that names this worker's rank. */
    static final String TASK_ID = "dmlc_task_id";

    private static final int SUM = Communicator.OpType.SUM.getOperand();

    /** The most elements one native call takes: its count is an int and a ByteBuffer holds at most 2 GiB. */
    public static final int MAX_ELEMENTS_PER_CALL = Integer.MAX_VALUE / Float.BYTES;

    /**
     * Elements per native call of {@link #sumInPlace(INDArray)}: 4 MiB of floats. On loopback
     * one call for a whole ResNet-50 gradient (112 MB) took 271 ms, chunks of 1–32 MB 150–171 ms,
     * and below about 46 MB chunks cost nothing (docs/distributed.md).
     */
    public static final int DEFAULT_CHUNK_ELEMENTS = 1 << 20;

    private static final MethodHandle NATIVE_ALL_REDUCE = nativeAllReduce();

    private final int rank;
    private final int workers;
    private final Thread owner;
    private boolean closed;

    private RingAllReduce(int rank, int workers) {
        this.rank = rank;
        this.workers = workers;
        this.owner = Thread.currentThread();
    }

    /**
     * Joins the collective as worker {@code rank}; returns once every worker has joined.
     *
     * @param trackerArgs {@link CollectiveTracker#workerArgs()}, from the driver
     * @param rank this worker's rank, 0 … W−1 (the barrier task's partition)
     * @throws IllegalStateException with XGBoost's message if the tracker cannot be reached or
     *     the rank it assigned differs from {@code rank}
     */
    public static RingAllReduce join(Map<String, Object> trackerArgs, int rank) {
        Map<String, Object> args = new HashMap<>(trackerArgs);
        args.put(TASK_ID, Integer.toString(rank));
        try {
            Communicator.init(args);
            int assigned = Communicator.getRank();
            int workers = Communicator.getWorldSize();
            if (assigned != rank) {
                Communicator.shutdown();
                throw new IllegalStateException("the tracker assigned rank " + assigned + " to the worker that asked for rank "
                        + rank + " (" + TASK_ID + "); the data split would not match the ranks");
            }
            return new RingAllReduce(rank, workers);
        } catch (XGBoostError e) {
            throw new IllegalStateException("worker " + rank + " could not join the collective at "
                    + trackerArgs + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int workers() {
        return workers;
    }

    /**
     * XGBoost4J's public all-reduce: a new array holding the element-wise sum over workers.
     * Copies {@code values} into a fresh direct buffer and the result back out, on every call.
     */
    public float[] sumThroughPublicApi(float[] values) {
        requireOwner();
        return Communicator.allReduce(values, Communicator.OpType.SUM);
    }

    /**
     * Replaces {@code array} by its element-wise sum over workers, in its own native memory,
     * in one call per {@link #DEFAULT_CHUNK_ELEMENTS} elements.
     *
     * @param array a FLOAT or DOUBLE array whose elements are contiguous in memory (a whole
     *     array, a flat gradient view, a block of rows), the same shape and layout on every worker
     * @throws IllegalArgumentException naming the data type or the strides if it is neither
     */
    @Override
    public void sumInPlace(INDArray array) {
        sumInPlace(array, DEFAULT_CHUNK_ELEMENTS);
    }

    /**
     * As {@link #sumInPlace(INDArray)}, in consecutive chunks of at most {@code chunkElements}
     * elements, one collective call each. Every worker must use the same chunking.
     */
    public void sumInPlace(INDArray array, int chunkElements) {
        requireOwner();
        Communicator.DataType type = switch (array.dataType()) {
            case FLOAT -> Communicator.DataType.FLOAT32;
            case DOUBLE -> Communicator.DataType.FLOAT64;
            default -> throw new IllegalArgumentException("the ring all-reduce sums FLOAT or DOUBLE arrays, got "
                    + array.dataType() + " of shape " + Arrays.toString(array.shape()));
        };
        if (!Shape.isContiguousInBuffer(array)) {
            throw new IllegalArgumentException("the ring all-reduce sums an array in place in its own memory, so its"
                    + " elements must be contiguous; got shape " + Arrays.toString(array.shape()) + " with strides "
                    + Arrays.toString(array.stride()) + " in '" + array.ordering() + "' order (dup() it first)");
        }
        int elementBytes = array.dataType().width();
        int maxPerCall = Integer.MAX_VALUE / elementBytes;
        if (chunkElements < 1 || chunkElements > maxPerCall) {
            throw new IllegalArgumentException("chunkElements must be in 1.." + maxPerCall + " for " + array.dataType()
                    + ", got " + chunkElements);
        }
        long length = array.length();
        // ND4J's data buffer of a view already starts at the view's offset (address() is element 0)
        BytePointer memory = new BytePointer(array.data().addressPointer()).position(0);
        for (long start = 0; start < length; start += chunkElements) {
            int count = (int) Math.min(chunkElements, length - start);
            long bytes = (long) count * elementBytes;
            // a pointer that starts at the chunk: the native side reads a buffer's address, not its position
            ByteBuffer chunk = memory.getPointer(start * elementBytes).capacity(bytes).limit(bytes).asByteBuffer();
            allReduce(chunk, count, type);
        }
    }

    /**
     * Replaces the first {@code count} floats of a direct buffer (native byte order), counted
     * from its address whatever its position, by their sum over workers. A buffer kept across
     * steps costs no allocation per call.
     */
    public void sumInPlace(ByteBuffer direct, int count) {
        requireOwner();
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("the native all-reduce reads a direct ByteBuffer, got a heap buffer");
        }
        if ((long) count * Float.BYTES > direct.capacity()) {
            throw new IllegalArgumentException(count + " floats do not fit in a buffer of " + direct.capacity() + " bytes");
        }
        allReduce(direct, count, Communicator.DataType.FLOAT32);
    }

    private void allReduce(ByteBuffer direct, int count, Communicator.DataType type) {
        int status;
        try {
            status = (int) NATIVE_ALL_REDUCE.invokeExact(direct, count, type.getEnumOp(), SUM);
        } catch (Throwable t) {
            throw new IllegalStateException("XGBoost4J's native all-reduce failed on worker " + rank, t);
        }
        if (status != 0) {
            throw new IllegalStateException("all-reduce of " + count + " " + type + " values failed on worker " + rank + " of " + workers
                    + ": " + XGBoostJNI.XGBGetLastError());
        }
    }

    /** Leaves the collective (every worker must); idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        requireOwner();
        closed = true;
        try {
            Communicator.shutdown();
        } catch (XGBoostError e) {
            throw new IllegalStateException("worker " + rank + " could not leave the collective: " + e.getMessage(), e);
        }
    }

    private void requireOwner() {
        if (closed) {
            throw new IllegalStateException("worker " + rank + " has left the collective");
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("XGBoost's collective is per thread: worker " + rank + " joined on "
                    + owner.getName() + " and must be called there, not on " + Thread.currentThread().getName());
        }
    }

    private static MethodHandle nativeAllReduce() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(XGBoostJNI.class, MethodHandles.lookup());
            return lookup.findStatic(XGBoostJNI.class, "CommunicatorAllreduce",
                    MethodType.methodType(int.class, ByteBuffer.class, int.class, int.class, int.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("XGBoost4J's XGBoostJNI.CommunicatorAllreduce(ByteBuffer, int, int, int) "
                    + "was not found or is not accessible (this code is written against xgboost4j 3.4.0 on the class path): " + e);
        }
    }
}
