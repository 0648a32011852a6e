package dev.moco.bench.benchmark.throughput;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PhaseTimesTest {

    @Test
    void mediansPerPhaseCountMissingPhasesAsZero() {
        PhaseTimes t = new PhaseTimes();
        t.add("a", 10);
        t.add("a", 5);
        t.add("b", 7);
        t.endStep();
        t.add("a", 30);
        t.endStep();
        t.add("a", 20);
        t.add("b", 1);
        t.endStep();
        assertThat(t.medians()).containsEntry("a", 20.0).containsEntry("b", 1.0);
    }

    @Test
    void resetForgetsTheWarmUp() {
        PhaseTimes t = new PhaseTimes();
        t.add("a", 100);
        t.endStep();
        t.reset();
        t.add("a", 4);
        t.endStep();
        assertThat(t.medians()).containsEntry("a", 4.0);
        assertThat(PhaseTimes.median(List.of(1L, 2L, 3L, 4L))).isEqualTo(2.5);
    }
}
