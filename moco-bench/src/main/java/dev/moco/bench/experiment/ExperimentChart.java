package dev.moco.bench.experiment;

import dev.moco.tensorfile.AtomicFile;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiments' charts, drawn with XChart in the plain style of the paper's figures: white
 * background, one coloured line with markers per series, accuracy in percent, the legend
 * inside the plot. Several panels are written side by side into one PNG.
 */
final class ExperimentChart {

    /** Series colours, in order (the paper's blue, orange, green, red, then more). */
    static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    static final int PANEL_WIDTH = 640;
    static final int PANEL_HEIGHT = 480;

    private ExperimentChart() {}

    static XYChart xy(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setXAxisDecimalPattern("#0");
        return chart;
    }

    static CategoryChart category(String title, String xTitle, String yTitle) {
        CategoryChart chart = new CategoryChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        // below the plot, in one row: inside, it covered the first category's bars
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setAvailableSpaceFill(0.7);
        chart.getStyler().setLabelsVisible(false);
        return chart;
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderVisible(true);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        styler.setSeriesColors(COLORS);
        styler.setDecimalPattern("#0.0");
    }

    /** Adds a line with circle markers; {@code errors} (same length, or null) draws ± error bars. */
    static XYSeries line(XYChart chart, String name, double[] x, double[] y, double[] errors, int colour) {
        XYSeries series = errors == null ? chart.addSeries(name, x, y) : chart.addSeries(name, x, y, errors);
        series.setMarker(SeriesMarkers.CIRCLE);
        series.setLineColor(COLORS[colour % COLORS.length]);
        series.setMarkerColor(COLORS[colour % COLORS.length]);
        return series;
    }

    /** {@return the chart drawn as a panel} */
    static BufferedImage panel(XYChart chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** {@return the chart drawn as a panel} */
    static BufferedImage panel(CategoryChart chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Writes {@code panels} side by side into {@code png}, replacing it atomically. */
    static void write(Path png, List<BufferedImage> panels) {
        write(png, panels, panels.size());
    }

    /** Writes {@code panels} into {@code png} in rows of {@code columns}, replacing it atomically. */
    static void write(Path png, List<BufferedImage> panels, int columns) {
        System.setProperty("java.awt.headless", "true");
        int rows = (panels.size() + columns - 1) / columns;
        BufferedImage image = new BufferedImage(PANEL_WIDTH * Math.min(columns, panels.size()), PANEL_HEIGHT * rows,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            for (int i = 0; i < panels.size(); i++) {
                g.drawImage(panels.get(i), (i % columns) * PANEL_WIDTH, (i / columns) * PANEL_HEIGHT, null);
            }
        } finally {
            g.dispose();
        }
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            ImageIO.write(image, "png", bytes);
            AtomicFile.write(png, bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chart " + png, e);
        }
    }
}
