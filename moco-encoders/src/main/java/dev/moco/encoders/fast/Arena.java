package dev.moco.encoders.fast;

import dev.moco.api.kit.StepWorkspace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One flat float allocation holding a pass's activations (laid out by a
 * {@link MemoryPlan.Activations}) and, for a training pass, its backward's gradients (a
 * {@link MemoryPlan.Gradients}), grown when a plan needs more.
 * A training pass's arena names the pass that holds it ({@link #owner}), so the
 * {@link ArenaPool} can tell that pass when it takes the arena back.
 */
final class Arena implements AutoCloseable {

    /** Bytes held by all arenas of this JVM. */
    private static final java.util.concurrent.atomic.AtomicLong LIVE_BYTES = new java.util.concurrent.atomic.AtomicLong();

    private INDArray memory;
    private long floats;
    /** Floats from the allocation's start to its first 64-byte boundary, where the arena begins. */
    private long shift;
    /** The training pass whose activations live here, or null when free. */
    TrainingPass owner;

    /**
     * Makes room for at least {@code needed} floats (discarding the contents when it grows). The
     * arena starts on a 64-byte boundary, as the {@link OffsetAllocator}'s offsets are aligned
     * relative to it: some oneDNN kernels (the resampling's streaming stores) fault on tensors
     * that are not.
     */
    void ensure(long needed) {
        if (memory == null || floats < needed) {
            close();
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // outlives the step that grew it
                memory = Nd4j.create(DataType.FLOAT, needed + OffsetAllocator.ALIGNMENT_FLOATS);
            }
            long misalignment = Dnnl.address(memory) % (OffsetAllocator.ALIGNMENT_FLOATS * Float.BYTES);
            shift = misalignment == 0 ? 0 : (OffsetAllocator.ALIGNMENT_FLOATS * Float.BYTES - misalignment) / Float.BYTES;
            floats = needed;
            LIVE_BYTES.addAndGet(bytes());
        }
    }

    /** Makes room for at least {@code needed} floats, keeping the contents when it grows. */
    void growKeeping(long needed) {
        if (memory != null && floats >= needed) {
            return;
        }
        INDArray old = memory;
        long oldFloats = floats;
        try (MemoryWorkspace outside = StepWorkspace.outside()) {     // outlives the step that grew it
            memory = Nd4j.create(DataType.FLOAT, needed);
        }
        floats = needed;
        LIVE_BYTES.addAndGet(bytes() - oldFloats * Float.BYTES);
        if (old != null) {
            memory.get(NDArrayIndex.interval(0, oldFloats)).assign(old);
            old.close();
        }
    }

    long base() {
        return Dnnl.address(memory) + shift * Float.BYTES;
    }

    /** A c-ordered ND4J view of {@code shape} at {@code offset} floats, for copying in and out. */
    INDArray view(long offset, long... shape) {
        long length = 1;
        for (long s : shape) {
            length *= s;
        }
        return memory.get(NDArrayIndex.interval(shift + offset, shift + offset + length)).reshape('c', shape);
    }

    /** Bytes held by all arenas not yet closed in this JVM. */
    static long liveBytes() {
        return LIVE_BYTES.get();
    }

    long bytes() {
        return floats * Float.BYTES;
    }

    @Override
    public void close() {
        if (memory != null) {
            LIVE_BYTES.addAndGet(-bytes());
            memory.close();
            memory = null;
            floats = 0;
        }
    }
}
