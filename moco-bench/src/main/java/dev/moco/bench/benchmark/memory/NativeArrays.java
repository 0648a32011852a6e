package dev.moco.bench.benchmark.memory;

import java.lang.reflect.Field;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.memory.deallocation.DeallocatableReference;
import org.nd4j.linalg.api.memory.deallocation.DeallocatorService;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Counts the ND4J buffers created between two points and how many of their bytes wait for
 * the garbage collector: ND4J registers every buffer with its {@link DeallocatorService},
 * which frees the native memory once the collector has found the buffer's Java object. A
 * buffer's bytes wait for the collector unless it lives in a workspace, is a view of another
 * buffer, or was closed. Read with no collection in between (see {@link Growth#collections}),
 * the new registrations are exactly the buffers created. ND4J's Java wrappers of the shape
 * descriptors and per-row offsets that libnd4j caches look like owning buffers here, so the
 * waiting bytes are an upper bound.
 *
 * <p>It also reads javacpp's own counters ({@link Pointer#totalBytes()}, {@link Pointer#totalCount()},
 * {@link Pointer#physicalBytes()}): javacpp counts the pointers it allocates itself (oneDNN
 * descriptors, the small native header of every ND4J buffer), not ND4J's data, which libnd4j
 * allocates.
 *
 * <pre>{@code
 * NativeArrays.Snapshot before = NativeArrays.snapshot();
 * ... 100 steps ...
 * NativeArrays.Growth g = NativeArrays.growthSince(before);   // g.waitingBytes() == 0: nothing for the collector
 * }</pre>
 */
public final class NativeArrays {

    private NativeArrays() {}

    /** The buffers registered so far and javacpp's counters, at one moment. */
    public record Snapshot(Set<String> registered, long javacppBytes, long javacppCount, long physicalBytes,
            long collections) {}

    /**
     * What was created since a {@link Snapshot}.
     *
     * @param buffers ND4J buffers created (each has a small native header freed by the collector)
     * @param waitingBuffers of those, the ones owning native data that waits for the collector
     * @param waitingBytes their bytes
     * @param workspaceBuffers buffers carved from a workspace (memory reused, nothing waits)
     * @param closedBuffers buffers already closed (memory freed at once)
     * @param javacppBytes change of {@link Pointer#totalBytes()}
     * @param javacppCount change of {@link Pointer#totalCount()}
     * @param physicalBytes change of {@link Pointer#physicalBytes()} (the resident set)
     * @param collections garbage collections in between (0 for an exact count)
     */
    public record Growth(long buffers, long waitingBuffers, long waitingBytes, long workspaceBuffers, long closedBuffers,
            long javacppBytes, long javacppCount, long physicalBytes, long collections) {}

    /** {@return the current state} */
    public static Snapshot snapshot() {
        return new Snapshot(new HashSet<>(references().keySet()), Pointer.totalBytes(), Pointer.totalCount(),
                Pointer.physicalBytes(), ResidentMemory.collections());
    }

    /** {@return what was created since {@code before}} */
    public static Growth growthSince(Snapshot before) {
        long buffers = 0;
        long waiting = 0;
        long waitingBytes = 0;
        long attached = 0;
        long closed = 0;
        for (Map.Entry<String, DeallocatableReference> e : references().entrySet()) {
            if (before.registered().contains(e.getKey())) {
                continue;
            }
            buffers++;
            if (!(e.getValue().get() instanceof DataBuffer buffer)) {
                continue;
            }
            if (buffer.isAttached()) {
                attached++;
            } else if (buffer.wasClosed()) {
                closed++;
            } else if (buffer.originalDataBuffer() == null && !buffer.isConstant()) {
                waiting++;
                waitingBytes += buffer.length() * buffer.getElementSize();
            }
        }
        return new Growth(buffers, waiting, waitingBytes, attached, closed, Pointer.totalBytes() - before.javacppBytes(),
                Pointer.totalCount() - before.javacppCount(), Pointer.physicalBytes() - before.physicalBytes(),
                ResidentMemory.collections() - before.collections());
    }

    /**
     * The buffers that wait for the collector since {@code before}, by data type and length,
     * most frequent first: what is left, to find where it comes from.
     *
     * @param limit at most this many kinds
     * @return e.g. {@code "FLOAT[1] x 91, LONG[6] x 26"}
     */
    public static String waitingKinds(Snapshot before, int limit) {
        Map<String, Integer> kinds = new java.util.HashMap<>();
        for (Map.Entry<String, DeallocatableReference> e : references().entrySet()) {
            if (!before.registered().contains(e.getKey()) && e.getValue().get() instanceof DataBuffer buffer
                    && !buffer.isAttached() && !buffer.wasClosed() && buffer.originalDataBuffer() == null
                    && !buffer.isConstant()) {
                kinds.merge(buffer.dataType() + "[" + buffer.length() + "]", 1, Integer::sum);
            }
        }
        return kinds.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .map(e -> e.getKey() + " x " + e.getValue()).collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * {@return the bytes of the ND4J buffers that own native data now: registered, their Java
     * object still reachable, not closed, not a view and not in a workspace (an upper bound, as
     * the class comment says)}
     */
    public static long liveBytes() {
        long bytes = 0;
        for (DeallocatableReference reference : references().values()) {
            if (reference.get() instanceof DataBuffer buffer && !buffer.isAttached() && !buffer.wasClosed()
                    && buffer.originalDataBuffer() == null && !buffer.isConstant()) {
                bytes += buffer.length() * buffer.getElementSize();
            }
        }
        return bytes;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, DeallocatableReference> references() {
        try {
            Field f = DeallocatorService.class.getDeclaredField("referenceMap");
            f.setAccessible(true);
            return (Map<String, DeallocatableReference>) f.get(Nd4j.getDeallocatorService());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this ND4J version keeps no DeallocatorService.referenceMap: " + e, e);
        }
    }
}
