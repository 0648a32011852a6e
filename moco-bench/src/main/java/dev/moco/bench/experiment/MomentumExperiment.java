package dev.moco.bench.experiment;

import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code moco experiment momentum}: the paper's momentum ablation (He et al. 2020, Sec. 4.1,
 * "Ablation: momentum"): MoCo with a fixed K at m = 0, 0.9, 0.99, 0.999, 0.9999. The paper
 * finds m = 0 fails to train (the loss oscillates) and 0.99–0.9999 work, best at 0.999.
 */
final class MomentumExperiment implements Experiment {

    static final String M = "m";
    static final List<String> MOMENTA = List.of("0", "0.9", "0.99", "0.999", "0.9999");

    /** The fixed K: the paper's 4096 (tiny: 16). */
    static int queueSize(Budget budget) {
        return budget.pick(16, 4096, 4096);
    }

    @Override
    public String name() {
        return "momentum";
    }

    @Override
    public String preset() {
        return "moco-v2";
    }

    @Override
    public List<String> keyColumns() {
        return List.of(M);
    }

    @Override
    public List<PlannedRun> plan(Budget budget, ExperimentData data, MocoConfig base, DictionaryRegistry registry, PrintStream notes) {
        List<PlannedRun> runs = new ArrayList<>();
        for (String m : MOMENTA) {
            Map<String, String> s = new LinkedHashMap<>();
            s.put(MocoConfig.DICTIONARY, "queue");
            s.put(DictionarySettings.negatives(DictionarySettings.QUEUE), Integer.toString(queueSize(budget)));
            s.put(DictionarySettings.momentum(DictionarySettings.QUEUE), m);
            runs.add(new PlannedRun(Map.of(M, m), 0, s, PlannedRun.Kind.FINAL));
        }
        return runs;
    }

    @Override
    public void report(List<ResultRow> rows, Budget budget, Path chart, Path table) {
        SeedGroups groups = SeedGroups.of(rows, keyColumns());
        List<String> present = MOMENTA.stream().filter(m -> !groups.rows(Map.of(M, m)).isEmpty()).toList();
        if (!present.isEmpty()) {
            CategoryChart c = ExperimentChart.category("accuracy vs momentum m, K=" + queueSize(budget) + ", "
                    + budget.id() + " budget", "momentum m", "top-1 (%)");
            c.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
            c.getStyler().setOverlapped(true); // both lines' points at the category's centre, not side by side like bars
            c.getStyler().setYAxisMin(0.0);
            c.getStyler().setYAxisMax(100.0);
            int colour = 0;
            for (String[] metric : new String[][] {{"linear_accuracy", "linear"}, {"knn_accuracy", "kNN"}}) {
                CategorySeries s = c.addSeries(metric[1], present, groups.percentMeans(M, present, metric[0]));
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setLineColor(ExperimentChart.COLORS[colour]);
                s.setMarkerColor(ExperimentChart.COLORS[colour++]);
            }
            ExperimentChart.write(chart, List.of(ExperimentChart.panel(c)));
        }
        MarkdownTable t = new MarkdownTable(List.of("m", "linear top-1 %", "kNN top-1 %", "last-epoch loss",
                "pretext acc. %", "train time", "status"));
        for (String m : present) {
            Map<String, String> key = Map.of(M, m);
            ResultRow r = groups.rows(key).get(0);
            t.row(List.of(m, MarkdownTable.percent(groups.values(key, "linear_accuracy")),
                    MarkdownTable.percent(groups.values(key, "knn_accuracy")), r.get("loss").isEmpty() ? "–" : r.get("loss"),
                    MarkdownTable.percent(groups.values(key, "pretext_accuracy")),
                    MarkdownTable.duration(r.getDouble("train_seconds")), r.get("status")));
        }
        t.write(table, "Momentum ablation, MoCo queue K=" + queueSize(budget) + " (" + budget.id() + " budget)", List.of(
                "Command: `./moco experiment momentum --budget " + budget.id() + "`. " + budget.describe(),
                "A run whose loss became non-finite is recorded as diverged (accuracy of its encoder before that step);"
                        + " 0 in the chart marks a missing value."));
    }
}
