package dev.moco.bench.cli.downstream;

import dev.moco.tensorfile.AtomicFile;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The per-epoch record of a downstream run: {@code metrics.csv} (an {@code epoch} column and
 * the named columns, rewritten after each epoch) and a PNG chart (the {@code loss} column on
 * the left axis, the 0–1 metrics on the right).
 *
 * <pre>{@code
 * EpochTable table = new EpochTable(out, List.of("loss", "mIoU", "images_per_second", "learning_rate"), List.of("mIoU"));
 * table.add(1, Map.of("loss", 0.8, "mIoU", 0.41, ...));
 * table.write("segmentation transfer, MoCo init");
 * }</pre>
 */
public final class EpochTable {

    public static final String LOSS = "loss";
    /** The column of the training steps taken by the end of the epoch, where a command writes it. */
    public static final String STEPS = "steps";
    /** Column: the epoch's wall seconds, training and test evaluation (transfer runs). */
    public static final String SECONDS = "seconds";
    private static final String FILE = "metrics.csv";
    private final Path directory;
    private final List<String> columns;
    private final List<String> chartedMetrics;
    private final List<Map<String, Double>> rows = new ArrayList<>();

    /**
     * @param columns the CSV columns after {@code epoch}
     * @param chartedMetrics the columns in [0, 1] drawn on the right axis
     */
    public EpochTable(Path directory, List<String> columns, List<String> chartedMetrics) {
        this.directory = directory;
        this.columns = List.copyOf(columns);
        this.chartedMetrics = List.copyOf(chartedMetrics);
    }

    public void add(int epoch, Map<String, Double> values) {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("epoch", (double) epoch);
        row.putAll(values);
        rows.add(row);
    }

    /**
     * Adds the rows of epochs 1..{@code epochsDone} from the directory's {@code metrics.csv}, as
     * a resumed run does before its next epoch (rows after those, written by the interrupted run
     * after its last checkpoint, are dropped when the table is next written).
     *
     * @throws IllegalArgumentException if the file lacks one of those epochs
     */
    public void readBack(int epochsDone) {
        Path file = directory.resolve(FILE);
        for (Map<String, Double> written : read(directory)) {
            int epoch = written.get("epoch").intValue();
            if (epoch > epochsDone) {
                continue;
            }
            Map<String, Double> row = new LinkedHashMap<>();
            for (String c : columns) {
                row.put(c, written.getOrDefault(c, Double.NaN));
            }
            add(epoch, row);
        }
        if (rows.size() != epochsDone) {
            throw new IllegalArgumentException(file + " holds " + rows.size() + " of the " + epochsDone
                    + " epochs the checkpoint says are done; it cannot be continued (start again with --overwrite)");
        }
    }

    /**
     * The rows of {@code directory}'s {@code metrics.csv} in file order, each column by name
     * ({@code epoch} first; a blank cell is NaN); none if there is no file. A row whose cell
     * count differs from the header's (cut short by an interruption) is left out.
     */
    public static List<Map<String, Double>> read(Path directory) {
        Path file = directory.resolve(FILE);
        List<String> lines;
        try {
            lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<String> header = lines.isEmpty() ? List.of() : List.of(lines.get(0).split(",", -1));
        List<Map<String, Double>> rows = new ArrayList<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] cells = line.split(",", -1);
            if (cells.length != header.size()) {
                continue;
            }
            Map<String, Double> row = new LinkedHashMap<>();
            for (int i = 0; i < cells.length; i++) {
                row.put(header.get(i), cells[i].isEmpty() ? Double.NaN : Double.parseDouble(cells[i]));
            }
            rows.add(row);
        }
        return rows;
    }

    /** The last row's value of {@code column} (NaN before the first row). */
    public double last(String column) {
        return rows.isEmpty() ? Double.NaN : rows.get(rows.size() - 1).getOrDefault(column, Double.NaN);
    }

    /** Writes {@code metrics.csv} and {@code training.png} into the directory. */
    public void write(String title) {
        StringBuilder csv = new StringBuilder("epoch," + String.join(",", columns)).append('\n');
        for (Map<String, Double> row : rows) {
            csv.append(row.get("epoch").intValue());
            for (String c : columns) {
                Double v = row.get(c);
                csv.append(',').append(v == null || v.isNaN() ? "" : String.format(Locale.ROOT, "%.6g", v));
            }
            csv.append('\n');
        }
        try {
            AtomicFile.write(directory.resolve(FILE), csv.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + directory.resolve(FILE), e);
        }
        chart(title);
    }

    private void chart(String title) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle("epoch").yAxisTitle("loss").build();
        chart.setYAxisGroupTitle(1, "metric");
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        chart.getStyler().setYAxisMin(1, 0.0);
        chart.getStyler().setYAxisMax(1, 1.0);
        double[] epochs = rows.stream().mapToDouble(r -> r.get("epoch")).toArray();
        if (epochs.length == 0) {
            return;
        }
        add(chart, LOSS, epochs, 0);
        for (String metric : chartedMetrics) {
            add(chart, metric, epochs, 1);
        }
        Path png = directory.resolve("training.png");
        try {
            AtomicFile.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chart " + png, e);
        }
    }

    private void add(XYChart chart, String column, double[] epochs, int axis) {
        double[] y = rows.stream().mapToDouble(r -> r.getOrDefault(column, Double.NaN)).toArray();
        if (java.util.Arrays.stream(y).allMatch(Double::isNaN)) {
            return;
        }
        XYSeries series = chart.addSeries(column, epochs, y);
        series.setYAxisGroup(axis);
        series.setMarker(SeriesMarkers.CIRCLE);
    }
}
