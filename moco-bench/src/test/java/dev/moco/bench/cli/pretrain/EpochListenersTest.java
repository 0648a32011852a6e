package dev.moco.bench.cli.pretrain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.run.EpochReport;
import dev.moco.core.run.TrainingPosition;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpochListenersTest {

    @TempDir
    Path dir;

    private static EpochReport epoch(int n, double pretext, double knn) {
        EpochReport r = new EpochReport(new TrainingPosition(n, 0, 10L * n, 10), 10, 5.0 - n, pretext, 300, 0.03);
        r.putMetric(EpochReport.KNN_ACCURACY, knn);
        return r;
    }

    @Test
    void metricsCsvWritesOneRowPerEpochAndDropsRowsAfterTheResumedEpoch() throws IOException {
        Path file = dir.resolve("metrics.csv");
        MetricsCsv csv = MetricsCsv.open(file, -1);
        csv.append(new MetricsRow(0, 0, Double.NaN, Double.NaN, 0.5, Double.NaN, Double.NaN));
        csv.afterEpoch(epoch(1, 0.2, 0.6));
        csv.afterEpoch(epoch(2, 0.3, 0.7));
        assertThat(Files.readAllLines(file)).containsExactly(MetricsCsv.HEADER, "0,0,,,0.500000,,",
                "1,10,4.000000,0.200000,0.600000,300.0,0.0300000", "2,20,3.000000,0.300000,0.700000,300.0,0.0300000");

        MetricsCsv resumed = MetricsCsv.open(file, 1);
        assertThat(resumed.rows()).extracting(MetricsRow::epoch).containsExactly(0, 1);
        assertThat(MetricsCsv.read(file)).isEqualTo(resumed.rows());
        assertThat(resumed.rows().get(0).loss()).isNaN();
    }

    @Test
    void warnsWhenPretextAccuracySaturatesWhileKnnFalls() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        CheatingDetector detector = new CheatingDetector(new PrintStream(text, true, StandardCharsets.UTF_8));
        detector.setPreviousKnnAccuracy(0.50);
        detector.afterEpoch(epoch(1, 0.995, 0.60));   // knn rose: fine
        detector.afterEpoch(epoch(2, 0.90, 0.55));    // knn fell, pretext not saturated: fine
        detector.afterEpoch(epoch(3, 0.996, 0.52));   // both: warn
        detector.afterEpoch(epoch(4, 0.999, 0.52));   // knn did not fall: fine
        assertThat(detector.warningsIssued()).isEqualTo(1);
        assertThat(text.toString(StandardCharsets.UTF_8))
                .startsWith("warning: epoch 3: pretext accuracy 99.60% while kNN accuracy fell from 0.5500 to 0.5200")
                .contains("shuffle BN");
    }

    @Test
    void chartIsAPng() throws IOException {
        Path png = dir.resolve("training.png");
        TrainingChart.write(List.of(new MetricsRow(0, 0, Double.NaN, Double.NaN, 0.5, Double.NaN, Double.NaN),
                new MetricsRow(1, 10, 4.0, 0.2, 0.6, 300, 0.03)), png, "test");
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertThat(head).containsExactly(0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a);
    }
}
