package dev.moco.encoders.fast;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OffsetAllocatorTest {

    private record Block(long offset, long floats) {
        boolean overlaps(Block o) {
            return offset < o.offset + o.floats && o.offset < offset + floats;
        }
    }

    @Test
    void liveBlocksNeverOverlapUnderRandomAllocationAndFreeing() {
        OffsetAllocator allocator = new OffsetAllocator();
        SplittableRandom random = new SplittableRandom(5);
        List<Block> live = new ArrayList<>();
        for (int step = 0; step < 3000; step++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                Block b = live.remove(random.nextInt(live.size()));
                allocator.free(b.offset(), b.floats());
            } else {
                long floats = 1 + random.nextInt(5000);
                Block b = new Block(allocator.allocate(floats), floats);
                assertThat(b.offset() % OffsetAllocator.ALIGNMENT_FLOATS).isZero();
                for (Block other : live) {
                    assertThat(b.overlaps(other)).as("%s overlaps %s at step %d", b, other, step).isFalse();
                }
                assertThat(b.offset() + b.floats()).isLessThanOrEqualTo(allocator.size());
                live.add(b);
            }
        }
    }

    @Test
    void freedMemoryIsReused() {
        OffsetAllocator allocator = new OffsetAllocator();
        long a = allocator.allocate(1000);
        long b = allocator.allocate(1000);
        allocator.free(a, 1000);
        allocator.free(b, 1000);
        assertThat(allocator.allocate(2000)).isEqualTo(a);
        assertThat(allocator.size()).isLessThan(2100);
    }

    /** The offsets are aligned relative to an arena's base, so the base itself must be, whatever the allocator returned. */
    @Test
    void everyArenaStartsOnA64ByteBoundaryAndItsViewsAtItsBase() {
        org.junit.jupiter.api.Assumptions.assumeTrue(FastEncoder.isAvailable(), FastEncoder::unavailableReason);
        for (int i = 0; i < 8; i++) {
            try (Arena arena = new Arena()) {
                arena.ensure(1000 + 977L * i);
                assertThat(arena.base() % 64).isZero();
                arena.view(0, 3).assign(7);
                assertThat(Dnnl.floatBuffer(arena.base(), 3).get(2)).isEqualTo(7f);
            }
        }
    }
}
