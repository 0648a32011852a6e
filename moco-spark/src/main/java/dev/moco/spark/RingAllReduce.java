package dev.moco.spark;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Communicator;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.java.XGBoostJNI;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One worker's membership of XGBoost4J's collective: a ring all-reduce over TCP between the
 * workers a {@link CollectiveTracker} introduced. XGBoost's native library keeps a worker's
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
public final class RingAllReduce implements AutoCloseable {

    /** The tracker argument that names this worker's rank. */
    static final String TASK_ID = "dmlc_task_id";

    /** {@code Communicator.DataType.FLOAT32} and {@code OpType.SUM}, as the native call wants them. */
    private static final int FLOAT32 = Communicator.DataType.FLOAT32.getEnumOp();
    private static final int SUM = Communicator.OpType.SUM.getOperand();

    /** The most elements one native call takes: its count is an int and a ByteBuffer holds at most 2 GiB. */
    public static final int MAX_ELEMENTS_PER_CALL = Integer.MAX_VALUE / Float.BYTES;

    private static final MethodHandle NATIVE_ALL_REDUCE = nativeAllReduce();

    private final int rank;
    private final int worldSize;
    private final Thread owner;
    private boolean closed;

    private RingAllReduce(int rank, int worldSize) {
        this.rank = rank;
        this.worldSize = worldSize;
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
            int world = Communicator.getWorldSize();
            if (assigned != rank) {
                Communicator.shutdown();
                throw new IllegalStateException("the tracker assigned rank " + assigned + " to the worker that asked for rank "
                        + rank + " (" + TASK_ID + "); the data split would not match the ranks");
            }
            return new RingAllReduce(rank, world);
        } catch (XGBoostError e) {
            throw new IllegalStateException("worker " + rank + " could not join the collective at "
                    + trackerArgs + ": " + e.getMessage(), e);
        }
    }

    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
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
     * in one call per {@link #MAX_ELEMENTS_PER_CALL} elements.
     *
     * @param array a dense FLOAT array (a flat gradient view is one)
     */
    public void sumInPlace(INDArray array) {
        sumInPlace(array, MAX_ELEMENTS_PER_CALL);
    }

    /**
     * As {@link #sumInPlace(INDArray)}, in consecutive chunks of at most {@code chunkElements}
     * elements, one collective call each. Every worker must use the same chunking.
     */
    public void sumInPlace(INDArray array, int chunkElements) {
        requireOwner();
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("sumInPlace sums FLOAT arrays, got " + array.dataType());
        }
        if (!array.isVector() && !array.isScalar() || array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("sumInPlace needs a contiguous vector (a flat gradient view), got shape "
                    + java.util.Arrays.toString(array.shape()) + " with element stride " + array.elementWiseStride());
        }
        if (chunkElements < 1 || chunkElements > MAX_ELEMENTS_PER_CALL) {
            throw new IllegalArgumentException("chunkElements must be in 1.." + MAX_ELEMENTS_PER_CALL + ", got " + chunkElements);
        }
        long length = array.length();
        // ND4J's data buffer of a view already starts at the view's offset (address() is element 0)
        BytePointer memory = new BytePointer(array.data().addressPointer()).position(0);
        for (long start = 0; start < length; start += chunkElements) {
            int count = (int) Math.min(chunkElements, length - start);
            long bytes = (long) count * Float.BYTES;
            // a pointer that starts at the chunk: the native side reads a buffer's address, not its position
            ByteBuffer chunk = memory.getPointer(start * Float.BYTES).capacity(bytes).limit(bytes).asByteBuffer();
            sumInPlace(chunk, count);
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
        int status;
        try {
            status = (int) NATIVE_ALL_REDUCE.invokeExact(direct, count, FLOAT32, SUM);
        } catch (Throwable t) {
            throw new IllegalStateException("XGBoost4J's native all-reduce failed on worker " + rank, t);
        }
        if (status != 0) {
            throw new IllegalStateException("all-reduce of " + count + " floats failed on worker " + rank + " of " + worldSize
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
