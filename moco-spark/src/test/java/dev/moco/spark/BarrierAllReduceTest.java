package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** The spike's finding, kept true: a Spark barrier stage on local[2] runs the collective beside ND4J and oneDNN. */
class BarrierAllReduceTest {

    @Test
    void twoBarrierTasksOnLocal2SumExactlyAndLeaveNd4jAndOneDnnBitwiseUnchanged() {
        AllReduceWorker.Payload payload = new AllReduceWorker.Payload("test", 1_000);
        AllReduceWorker.Plan plan = new AllReduceWorker.Plan(List.of(payload), 2, List.of(300));
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("BarrierAllReduceTest")
                .set("spark.ui.enabled", "false");
        List<AllReduceWorker.Report> reports;
        try (JavaSparkContext context = new JavaSparkContext(conf)) {
            context.setLogLevel("WARN");
            reports = AllReduceWorker.runOnBarrierStage(context, 2, plan);
        }

        assertThat(reports).extracting(AllReduceWorker.Report::rank).containsExactly(0, 1);
        for (AllReduceWorker.Report report : reports) {
            assertThat(report.worldSize()).isEqualTo(2);
            assertThat(report.wrongSums()).as("worker %d", report.rank()).isEmpty();
            assertThat(report.before().encoder()).isEqualTo("fast resnet20");
            assertThat(report.enginesUnaffected()).as("worker %d: ND4J and oneDNN after joining", report.rank()).isTrue();
            assertThat(report.timings()).extracting(AllReduceWorker.Timing::variant).containsExactlyElementsOf(plan.variants());
            assertThat(report.timings()).allSatisfy(t -> assertThat(java.util.Arrays.stream(t.millis())).hasSize(2).allMatch(ms -> ms > 0));
        }
        List<AllReduceBenchmark.Row> rows = AllReduceBenchmark.rows(reports, plan);
        AllReduceBenchmark.Row zeroCopy = rows.stream()
                .filter(r -> r.variant().method() == AllReduceWorker.Method.ZERO_COPY).findFirst().orElseThrow();
        // W = 2: the ring moves 2(W−1)/W = 1 buffer per link
        assertThat(zeroCopy.busGigabytesPerSecond()).isCloseTo(payload.bytes() / (zeroCopy.medianMillis() / 1e3) / 1e9,
                org.assertj.core.data.Offset.offset(1e-9));
    }
}
