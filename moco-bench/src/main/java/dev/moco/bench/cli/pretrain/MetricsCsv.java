package dev.moco.bench.cli.pretrain;

import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.EpochReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A run's {@code metrics.csv}, one {@link MetricsRow} per epoch:
 *
 * <pre>
 * epoch,step,loss,pretext_accuracy,knn_accuracy,images_per_second,learning_rate
 * 0,0,,,0.412000,,
 * 1,125,7.912345,0.081250,0.602500,402.1,0.030000
 * </pre>
 *
 * When a run resumes, rows after the checkpoint's epoch (written after it by the interrupted
 * process) are dropped, so the file always matches the checkpointed state.
 */
public final class MetricsCsv implements AfterEpochListener {

    public static final String HEADER = "epoch,step,loss,pretext_accuracy,knn_accuracy,images_per_second,learning_rate";

    private final Path file;
    private final List<MetricsRow> rows = new ArrayList<>();

    private MetricsCsv(Path file) {
        this.file = file;
    }

    /**
     * Opens {@code file}, keeping the rows of epochs up to {@code keepThroughEpoch} (none for a
     * new run: pass -1), and rewrites it with just those.
     */
    public static MetricsCsv open(Path file, int keepThroughEpoch) {
        MetricsCsv csv = new MetricsCsv(file);
        if (keepThroughEpoch >= 0 && Files.isRegularFile(file)) {
            for (MetricsRow row : read(file)) {
                if (row.epoch() <= keepThroughEpoch) {
                    csv.rows.add(row);
                }
            }
        }
        csv.rewrite();
        return csv;
    }

    /** The rows so far, oldest first. */
    public List<MetricsRow> rows() {
        return Collections.unmodifiableList(rows);
    }

    public Path file() {
        return file;
    }

    /** Appends a row (and writes it through to the file). */
    public void append(MetricsRow row) {
        rows.add(row);
        try {
            Files.writeString(file, format(row) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    @Override
    public void afterEpoch(EpochReport epoch) {
        append(new MetricsRow(epoch.epoch(), epoch.globalStep(), epoch.meanLoss(), epoch.meanPretextAccuracy(),
                epoch.metric(EpochReport.KNN_ACCURACY).orElse(Double.NaN), epoch.imagesPerSecond(), epoch.learningRate()));
    }

    /** Parses a metrics file. */
    public static List<MetricsRow> read(Path file) {
        List<MetricsRow> rows = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 7) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected 7 fields, got " + f.length);
            }
            try {
                rows.add(new MetricsRow(Integer.parseInt(f[0]), Long.parseLong(f[1]), number(f[2]), number(f[3]),
                        number(f[4]), number(f[5]), number(f[6])));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return rows;
    }

    private void rewrite() {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        rows.forEach(r -> text.append(format(r)).append('\n'));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static String format(MetricsRow r) {
        return r.epoch() + "," + r.step() + "," + value(r.loss(), "%.6f") + "," + value(r.pretextAccuracy(), "%.6f") + ","
                + value(r.knnAccuracy(), "%.6f") + "," + value(r.imagesPerSecond(), "%.1f") + ","
                + value(r.learningRate(), "%.6g");
    }

    private static String value(double v, String format) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, format, v);
    }

    private static double number(String s) {
        return s.isBlank() ? Double.NaN : Double.parseDouble(s);
    }
}
