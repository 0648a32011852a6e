package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.bench.benchmark.throughput.DistributedThroughput;
import dev.moco.bench.benchmark.throughput.ThroughputBenchmark;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bench distributed's engine, found by name as the command finds it, on local[2]. */
class SparkThroughputTest {

    @Test
    void theSparkEngineRunsTheStepOnOneAndTwoRingWorkersAndReturnsEachWorkersTimes() {
        ThroughputBenchmark.Options tiny = new ThroughputBenchmark.Options("resnet20", "auto", "queue", 8, 32, 2, 2, 1, 1, 28,
                0.2, 0.999, 3L);
        List<ThroughputBenchmark.Result> alone;
        List<ThroughputBenchmark.Result> split;
        try (DistributedThroughput.Cluster cluster = DistributedThroughput.named("spark").connect("local[2]", 2)) {
            assertThat(cluster.chunkBytes()).isEqualTo((long) RingAllReduce.DEFAULT_CHUNK_ELEMENTS * Float.BYTES);
            alone = cluster.run(1, tiny);
            split = cluster.run(2, tiny);
        }

        assertThat(alone).singleElement().satisfies(r -> {
            assertThat(r.workers()).isEqualTo(1);
            assertThat(r.collectiveBytes()).allSatisfy((phase, bytes) -> assertThat(bytes).isZero());   // one worker sends nothing
        });
        assertThat(split).hasSize(2).allSatisfy(r -> {
            assertThat(r.workers()).isEqualTo(2);
            assertThat(r.collectiveBytes()).containsKeys("gradient all-reduce", "gather", "statistics all-reduce")
                    .allSatisfy((phase, bytes) -> assertThat(bytes).isPositive());
            assertThat(r.stepMillis()).hasSize(2);
        });
        assertThat(split.get(1).lastLoss()).as("the global batch's loss, on both workers").isEqualTo(split.get(0).lastLoss());
    }
}
