package dev.moco.bench.benchmark.throughput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The ring all-reduce projection against figures worked out by hand. */
class ScalingProjectionTest {

    /** 100 ms of compute; a 100 MB gradient in one call; a gather of 1 MB per batch of N rows in two calls; α = 50 µs; 4 MB chunks. */
    private final ScalingProjection projection = new ScalingProjection(100, List.of(
            new ScalingProjection.Traffic("gradients", 100_000_000, 1, false),
            new ScalingProjection.Traffic("gather", 1_000_000, 2, true)), 50, 4_000_000);

    @Test
    void eightNodesAtTenGigabitsSendTwoSeventhsOfEightOfEachBufferAndWaitFourteenLatenciesPerNativeCall() {
        // gradient: 2·7/8 · 100 MB = 175 MB; gather: its buffer holds 8 nodes' rows, 8 MB, so 2·7/8 · 8 MB = 14 MB
        assertThat(projection.bytesSentPerNode(8)).isCloseTo(189e6, offset(1e-3));
        // 189 MB = 1.512 Gbit at 10 Gb/s
        assertThat(projection.bandwidthMillis(8, 10)).isCloseTo(151.2, offset(1e-9));
        // native calls: the gradient in ⌈100 / 4⌉ = 25 chunks, the gather's 8 MB in its 2 calls; each 2·7 steps of 50 µs
        assertThat(projection.latencyMillis(8)).isCloseTo(27 * 14 * 0.05, offset(1e-9));
        assertThat(projection.stepMillis(8, 10)).isCloseTo(100 + 151.2 + 18.9, offset(1e-9));
        assertThat(projection.efficiency(8, 10)).isCloseTo(100 / 270.1, offset(1e-12));
    }

    @Test
    void twoNodesAtTwentyFiveGigabitsSendEachBufferOnce() {
        // gradient 100 MB + gather 2 MB = 102 MB = 0.816 Gbit at 25 Gb/s; 25 + 2 native calls of 2 steps
        assertThat(projection.bandwidthMillis(2, 25)).isCloseTo(32.64, offset(1e-9));
        assertThat(projection.latencyMillis(2)).isCloseTo(27 * 2 * 0.05, offset(1e-9));
        assertThat(projection.stepMillis(2, 25)).isCloseTo(135.34, offset(1e-9));
    }

    @Test
    void oneNodeSendsNothingAndLosesNothing() {
        assertThat(projection.bytesSentPerNode(1)).isZero();
        assertThat(projection.efficiency(1, 10)).isEqualTo(1.0);
    }
}
