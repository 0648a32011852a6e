package dev.moco.bench.experiment;

import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * {@code moco experiment shuffle-bn}: MoCo with and without shuffle BN (He et al. 2020,
 * Sec. 3.3 and Appendix A.1), pretext accuracy and kNN accuracy after every epoch. The paper's
 * 8-GPU setting is emulated on one device: the queries' BN runs in G groups of N/G
 * ({@code query.bn-groups} = G), one "GPU" each; the keys' BN in G groups too, either of the
 * same samples ({@code shuffle.enabled=false}: a query and its key share BN statistics, which
 * lets the model cheat) or after a random permutation ({@code shuffle.enabled=true}). The
 * collapse detector ({@link dev.moco.bench.cli.pretrain.CheatingDetector}) watches both runs.
 */
final class ShuffleBnExperiment implements Experiment {

    static final String SHUFFLE = "shuffle";

    static int queueSize(Budget budget) {
        return budget.pick(16, 4096, 4096);
    }

    /** More epochs than the budget's default: the point is the curve over epochs. */
    static int epochs(Budget budget) {
        return budget.pick(2, 5, 20);
    }

    @Override
    public String name() {
        return "shuffle-bn";
    }

    @Override
    public String preset() {
        return "moco-v2";
    }

    @Override
    public List<String> keyColumns() {
        return List.of(SHUFFLE);
    }

    @Override
    public boolean perEpoch() {
        return true;
    }

    @Override
    public List<PlannedRun> plan(Budget budget, ExperimentData data, MocoConfig base, DictionaryRegistry registry, PrintStream notes) {
        List<PlannedRun> runs = new ArrayList<>();
        for (String shuffle : List.of("on", "off")) {
            Map<String, String> s = new LinkedHashMap<>();
            s.put(MocoConfig.DICTIONARY, "queue");
            s.put(DictionarySettings.negatives(DictionarySettings.QUEUE), Integer.toString(queueSize(budget)));
            s.put(MocoConfig.EPOCHS, Integer.toString(epochs(budget)));
            s.put(MocoConfig.QUERY_BN_GROUPS, Integer.toString(budget.groups()));
            s.put(MocoConfig.SHUFFLE_GROUPS, Integer.toString(budget.groups()));
            s.put(MocoConfig.SHUFFLE_ENABLED, Boolean.toString(shuffle.equals("on")));
            runs.add(new PlannedRun(Map.of(SHUFFLE, shuffle), 0, s, PlannedRun.Kind.PER_EPOCH));
        }
        return runs;
    }

    static String legend(String shuffle) {
        return shuffle.equals("on") ? "shuffle BN" : "no shuffle BN";
    }

    @Override
    public void report(List<ResultRow> rows, Budget budget, Path chart, Path table) {
        List<String> settings = rows.stream().map(r -> r.get(SHUFFLE)).distinct().sorted(Comparator.reverseOrder()).toList();
        XYChart pretext = ExperimentChart.xy("pretext (instance discrimination) accuracy", "epoch", "accuracy (%)");
        XYChart knn = ExperimentChart.xy("kNN top-1, test split", "epoch", "accuracy (%)");
        for (XYChart c : List.of(pretext, knn)) {
            c.getStyler().setYAxisMin(0.0);
            c.getStyler().setYAxisMax(100.0);
        }
        int colour = 0;
        for (String s : settings) {
            List<ResultRow> curve = rows.stream().filter(r -> r.get(SHUFFLE).equals(s))
                    .sorted(Comparator.comparingInt(r -> Integer.parseInt(r.get(ExperimentDriver.EPOCH)))).toList();
            add(pretext, legend(s), curve.stream().filter(r -> !r.get("pretext_accuracy").isEmpty()).toList(),
                    "pretext_accuracy", colour);
            add(knn, legend(s), curve, "knn_accuracy", colour);
            colour++;
        }
        List<XYChart> panels = new ArrayList<>();
        if (!pretext.getSeriesMap().isEmpty()) {
            panels.add(pretext);
        }
        if (!knn.getSeriesMap().isEmpty()) {
            panels.add(knn);
        }
        if (!panels.isEmpty()) {
            ExperimentChart.write(chart, panels.stream().map(ExperimentChart::panel).toList());
        }
        MarkdownTable t = new MarkdownTable(List.of("epoch", "shuffle BN: pretext %", "shuffle BN: kNN %",
                "no shuffle: pretext %", "no shuffle: kNN %", "collapse detector"));
        int last = rows.stream().mapToInt(r -> Integer.parseInt(r.get(ExperimentDriver.EPOCH))).max().orElse(-1);
        for (int epoch = 0; epoch <= last; epoch++) {
            ResultRow on = find(rows, "on", epoch);
            ResultRow off = find(rows, "off", epoch);
            List<String> fired = new ArrayList<>();
            if (on != null && on.get("collapse_warning").equals("true")) {
                fired.add("fired on shuffle BN");
            }
            if (off != null && off.get("collapse_warning").equals("true")) {
                fired.add("fired on no shuffle");
            }
            t.row(List.of(Integer.toString(epoch), cell(on, "pretext_accuracy"), cell(on, "knn_accuracy"),
                    cell(off, "pretext_accuracy"), cell(off, "knn_accuracy"), fired.isEmpty() ? "silent" : String.join(", ", fired)));
        }
        t.write(table, "Shuffle BN ablation, MoCo queue K=" + queueSize(budget) + " (" + budget.id() + " budget, "
                + epochs(budget) + " epochs)", List.of(
                "Command: `./moco experiment shuffle-bn --budget " + budget.id() + "`. " + budget.describe(epochs(budget)),
                "Queries' BN in " + budget.groups() + " groups of " + budget.batchSize() / budget.groups()
                        + " (query.bn-groups); keys' BN in the same groups, permuted (shuffle BN) or not (no shuffle)."
                        + " Pretext accuracy is the epoch's mean; kNN is measured after the epoch."));
    }

    private static void add(XYChart chart, String name, List<ResultRow> curve, String column, int colour) {
        List<ResultRow> points = curve.stream().filter(r -> !r.get(column).isEmpty()).toList();
        if (points.isEmpty()) {
            return;
        }
        double[] x = points.stream().mapToDouble(r -> Double.parseDouble(r.get(ExperimentDriver.EPOCH))).toArray();
        double[] y = points.stream().mapToDouble(r -> 100 * r.getDouble(column)).toArray();
        ExperimentChart.line(chart, name, x, y, null, colour);
    }

    private static ResultRow find(List<ResultRow> rows, String shuffle, int epoch) {
        return rows.stream().filter(r -> r.get(SHUFFLE).equals(shuffle)
                && r.get(ExperimentDriver.EPOCH).equals(Integer.toString(epoch))).findFirst().orElse(null);
    }

    private static String cell(ResultRow row, String column) {
        return row == null ? "–" : MarkdownTable.percent(row.getDouble(column));
    }
}
