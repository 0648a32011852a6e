package dev.moco.encoders.fast;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * First-fit placement of tensors in one flat float arena, with freeing, so that tensors whose
 * lifetimes do not overlap share memory. Offsets and sizes are in floats, every block aligned
 * to 64 bytes ({@link #ALIGNMENT_FLOATS}); {@link #size()} is the arena's high-water mark.
 */
final class OffsetAllocator {

    static final long ALIGNMENT_FLOATS = 64 / Float.BYTES;

    /** Free blocks by offset, each with its length. */
    private final TreeMap<Long, Long> free = new TreeMap<>();
    private long size;

    private static long aligned(long floats) {
        return Math.max(1, (floats + ALIGNMENT_FLOATS - 1) / ALIGNMENT_FLOATS) * ALIGNMENT_FLOATS;
    }

    /**
     * An allocator whose arena of {@code size} floats already holds {@code placed} (blocks placed
     * by another allocator, as {@link MemoryPlan.Kept}); the rest of it is free.
     */
    static OffsetAllocator around(long size, List<MemoryPlan.Kept> placed) {
        OffsetAllocator a = new OffsetAllocator();
        a.size = size;
        List<MemoryPlan.Kept> byOffset = new ArrayList<>(placed);
        byOffset.sort(Comparator.comparingLong(MemoryPlan.Kept::offset));
        long next = 0;
        for (MemoryPlan.Kept k : byOffset) {
            if (k.offset() < next) {
                throw new IllegalArgumentException("overlapping blocks at offset " + k.offset());
            }
            if (k.offset() > next) {
                a.free.put(next, k.offset() - next);
            }
            next = k.offset() + aligned(k.floats());
        }
        if (next > size) {
            throw new IllegalArgumentException("blocks end at " + next + ", beyond the arena's " + size + " floats");
        }
        if (size > next) {
            a.free.put(next, size - next);
        }
        return a;
    }

    /** Places {@code floats} floats and returns their offset. */
    long allocate(long floats) {
        long need = aligned(floats);
        for (Map.Entry<Long, Long> block : free.entrySet()) {
            long offset = block.getKey();
            long length = block.getValue();   // read before removing: TreeMap reuses a removed entry's node
            if (length >= need) {
                free.remove(offset);
                if (length > need) {
                    free.put(offset + need, length - need);
                }
                return offset;
            }
        }
        Map.Entry<Long, Long> last = free.lastEntry();
        if (last != null && last.getKey() + last.getValue() == size) {
            long offset = last.getKey();
            free.remove(offset);
            size = offset + need;
            return offset;
        }
        long offset = size;
        size += need;
        return offset;
    }

    /** Gives back a block placed by {@link #allocate} with the same {@code floats}. */
    void free(long offset, long floats) {
        long length = aligned(floats);
        Map.Entry<Long, Long> before = free.floorEntry(offset);
        if (before != null && before.getKey() + before.getValue() == offset) {
            free.remove(before.getKey());
            offset = before.getKey();
            length += before.getValue();
        }
        Long after = free.get(offset + length);
        if (after != null) {
            free.remove(offset + length);
            length += after;
        }
        free.put(offset, length);
    }

    /** Floats an arena needs for everything placed so far. */
    long size() {
        return Math.max(size, ALIGNMENT_FLOATS);
    }
}
