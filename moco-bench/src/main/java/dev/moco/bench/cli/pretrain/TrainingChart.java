package dev.moco.bench.cli.pretrain;

import dev.moco.tensorfile.AtomicFile;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a run's loss (left axis), pretext accuracy and kNN accuracy (right axis, 0–1) per
 * epoch as a PNG with XChart, headless. Rewritten after every epoch from the metrics rows.
 *
 * <pre>{@code
 * TrainingChart.write(csv.rows(), runDir.resolve("training.png"), "MoCo v2, queue, Fashion-MNIST");
 * }</pre>
 */
public final class TrainingChart {

    private TrainingChart() {}

    /** Writes the chart of {@code rows} to {@code png} (atomically replaced). */
    public static void write(List<MetricsRow> rows, Path png, String title) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title)
                .xAxisTitle("epoch").yAxisTitle("loss").build();
        chart.setYAxisGroupTitle(1, "accuracy");
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setYAxisGroupPosition(1, org.knowm.xchart.style.Styler.YAxisPosition.Right);
        chart.getStyler().setYAxisMin(1, 0.0);
        chart.getStyler().setYAxisMax(1, 1.0);
        boolean any = add(chart, rows, "loss", MetricsRow::loss, 0, new Color(0x1f77b4));
        any |= add(chart, rows, "pretext accuracy", MetricsRow::pretextAccuracy, 1, new Color(0xff7f0e));
        any |= add(chart, rows, "kNN accuracy", MetricsRow::knnAccuracy, 1, new Color(0x2ca02c));
        if (!any) {
            return;
        }
        try {
            AtomicFile.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chart " + png, e);
        }
    }

    private static boolean add(XYChart chart, List<MetricsRow> rows, String name, ToDoubleFunction<MetricsRow> value,
            int axis, Color color) {
        double[] x = rows.stream().filter(r -> !Double.isNaN(value.applyAsDouble(r))).mapToDouble(MetricsRow::epoch).toArray();
        double[] y = rows.stream().mapToDouble(value).filter(v -> !Double.isNaN(v)).toArray();
        if (x.length == 0) {
            return false;
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setYAxisGroup(axis);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setLineColor(color);
        series.setMarkerColor(color);
        return true;
    }
}
