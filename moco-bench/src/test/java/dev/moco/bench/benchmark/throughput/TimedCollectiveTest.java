package dev.moco.bench.benchmark.throughput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.moco.api.Collective;
import dev.moco.api.testing.ThreadCollective;
import dev.moco.core.run.ConfiguredEncoder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The timing decorator over a worker's collective: every call reaches the worker's own, and each phase counts its buffer. */
class TimedCollectiveTest {

    private static final long GRADIENT_LENGTH = 6;

    /** What one worker's decorated calls returned, and what the decorator counted for the step. */
    private record Counted(float[] gradientMean, float[] statisticsSum, float[] gathered, long[] indices, Map<String, Double> nanos,
            Map<String, Double> bytes, Map<String, Double> calls) {
    }

    private static Counted oneStep(Collective worker) {
        PhaseTimes nanos = new PhaseTimes();
        PhaseTimes bytes = new PhaseTimes();
        PhaseTimes calls = new PhaseTimes();
        Collective timed = new TimedCollective(worker, GRADIENT_LENGTH, nanos, bytes, calls);
        int r = worker.rank();
        var gradient = Nd4j.createFromArray(new float[] {1, 2, 3, 4, 5, 6}).muli(r + 1);        // rank 1: twice rank 0's
        timed.meanInPlace(gradient);
        var statistics = Nd4j.createFromArray(new float[] {r, 10, 100});
        timed.sumInPlace(statistics);
        timed.meanInPlace(Nd4j.createFromArray(new float[] {r, r, r}));
        var rows = Nd4j.createFromArray(new float[][] {{r, r, r, r}, {10 + r, 10 + r, 10 + r, 10 + r}});   // [2, 4]
        var gathered = timed.gatherRows(rows);
        long[] indices = timed.gatherIndices(new long[] {r, 1L << 40, 7 + r});
        nanos.endStep();
        bytes.endStep();
        calls.endStep();
        return new Counted(gradient.toFloatVector(), statistics.toFloatVector(), gathered.ravel().toFloatVector(), indices,
                nanos.medians(), bytes.medians(), calls.medians());
    }

    @Test
    void everyCallReachesTheWorkersCollectiveAndEachPhaseCountsTheBufferItAllReduces() {
        List<Counted> workers = ThreadCollective.run(2, TimedCollectiveTest::oneStep);

        for (Counted w : workers) {
            assertThat(w.gradientMean()).containsExactly(1.5f, 3, 4.5f, 6, 7.5f, 9);      // (x + 2x) / 2
            assertThat(w.statisticsSum()).containsExactly(1, 20, 200);
            assertThat(w.gathered()).containsExactly(0, 0, 0, 0, 10, 10, 10, 10, 1, 1, 1, 1, 11, 11, 11, 11);
            assertThat(w.indices()).containsExactly(0, 1L << 40, 7, 1, 1L << 40, 8);
            // 6 floats; 3 + 3 floats; [4, 4] floats gathered and 6 indices of two floats each
            assertThat(w.bytes()).containsExactlyInAnyOrderEntriesOf(Map.of(TimedCollective.GRADIENTS, 24.0,
                    TimedCollective.STATISTICS, 24.0, TimedCollective.GATHER, 64.0 + 48.0));
            assertThat(w.calls()).containsExactlyInAnyOrderEntriesOf(Map.of(TimedCollective.GRADIENTS, 1.0,
                    TimedCollective.STATISTICS, 2.0, TimedCollective.GATHER, 2.0));
            assertThat(w.nanos()).containsOnlyKeys(TimedCollective.GRADIENTS, TimedCollective.STATISTICS, TimedCollective.GATHER)
                    .allSatisfy((phase, ns) -> assertThat(ns).isPositive());
        }
    }

    @Test
    void oneWorkerMovesNoBytesButItsCallsAreCounted() {
        Counted alone = oneStep(Collective.SINGLE_PROCESS);

        assertThat(alone.gradientMean()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(alone.indices()).containsExactly(0, 1L << 40, 7);
        assertThat(alone.bytes()).allSatisfy((phase, b) -> assertThat(b).isZero());
        assertThat(alone.calls().get(TimedCollective.STATISTICS)).isEqualTo(2.0);
    }

    @Test
    void theBenchmarkStepOnTwoWorkersTimesItsCollectiveCallsAndTheRestIsCompute() {
        ThroughputBenchmark.Options tiny = new ThroughputBenchmark.Options("resnet20", "auto", "queue", 8, 32, 2, 2, 1, 1, 28,
                0.2, 0.999, 3L);
        List<ThroughputBenchmark.Result> results = ThreadCollective.run(2,
                worker -> ThroughputBenchmark.run(tiny, new PrintWriter(new StringWriter()), worker));

        long parameters;
        try (var encoder = ConfiguredEncoder.from(ThroughputBenchmark.config(tiny), 1).create()) {
            parameters = encoder.parameters().length();
        }
        for (ThroughputBenchmark.Result r : results) {
            assertThat(r.workers()).isEqualTo(2);
            // the step's meanInPlace(gradients), bound into the trainer through MocoModule's Collective
            assertThat(r.collectiveBytes().get(TimedCollective.GRADIENTS)).isEqualTo(parameters * Float.BYTES);
            assertThat(r.collectiveCalls()).containsEntry(TimedCollective.GRADIENTS, 1L).containsEntry(TimedCollective.GATHER, 2L);
            // the queue gathers the N key views for shuffle BN, then the N keys of 128 floats
            assertThat(r.collectiveBytes().get(TimedCollective.GATHER)).isEqualTo(8L * (28 * 28 + 128) * Float.BYTES);
            Map<String, Double> ms = r.phaseMillis();
            assertThat(ms.get(ThroughputBenchmark.Result.COMPUTE)).isPositive().isCloseTo(ms.get("step")
                    - ms.get(TimedCollective.GRADIENTS) - ms.get(TimedCollective.GATHER) - ms.get(TimedCollective.STATISTICS),
                    offset(1e-9));
            assertThat(r.imagesPerSecond()).isEqualTo(8 / (r.medianStepMillis() / 1e3));
        }
        assertThat(results.get(1).lastLoss()).isEqualTo(results.get(0).lastLoss());     // the global batch's loss on both
    }
}
