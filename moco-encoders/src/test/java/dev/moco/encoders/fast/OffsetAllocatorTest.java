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
        randomlyAllocateAndFree(new OffsetAllocator(), new ArrayList<>(), 3000, new SplittableRandom(5));
    }

    /** Blocks placed by one allocator and taken over by another ({@link OffsetAllocator#around}) stay theirs until freed. */
    @Test
    void anAllocatorAroundPlacedBlocksPlacesNothingOverThemAndReusesTheRest() {
        SplittableRandom random = new SplittableRandom(7);
        OffsetAllocator first = new OffsetAllocator();
        List<Block> live = new ArrayList<>();
        randomlyAllocateAndFree(first, live, 500, random);
        List<MemoryPlan.Kept> placed = live.stream().map(b -> new MemoryPlan.Kept(b.offset(), b.floats(), 0)).toList();
        OffsetAllocator second = OffsetAllocator.around(first.size(), placed);
        assertThat(second.size()).isEqualTo(first.size());
        randomlyAllocateAndFree(second, live, 3000, random);
    }

    @Test
    void anAllocatorAroundPlacedBlocksFillsTheGapsFirst() {
        OffsetAllocator a = OffsetAllocator.around(4096, List.of(new MemoryPlan.Kept(0, 1024, 0),
                new MemoryPlan.Kept(2048, 1000, 0)));     // takes 1008 floats, aligned
        assertThat(a.allocate(1024)).isEqualTo(1024);
        assertThat(a.allocate(1024)).isEqualTo(3056);
        assertThat(a.allocate(10)).isEqualTo(4080);
        assertThat(a.size()).isEqualTo(4096);
        assertThat(a.allocate(10)).isEqualTo(4096);
        assertThat(a.size()).isEqualTo(4096 + OffsetAllocator.ALIGNMENT_FLOATS);
    }

    private static void randomlyAllocateAndFree(OffsetAllocator allocator, List<Block> live, int steps,
                                                SplittableRandom random) {
        for (int step = 0; step < steps; step++) {
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
