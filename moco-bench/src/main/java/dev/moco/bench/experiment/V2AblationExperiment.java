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

/**
 * {@code moco experiment v2-ablation}: MoCo v2's Table 1 in small (Chen et al. 2020): MoCo v1,
 * then the MLP head, the stronger "aug+" augmentation and the cosine schedule switched on over
 * it. As in the paper, the MLP-head rows use τ = 0.2, the linear-head rows v1's 0.07. The v1
 * step schedule's milestones (epochs 120 and 160 of 200) are scaled to the budget's epochs.
 */
final class V2AblationExperiment implements Experiment {

    static final String VARIANT = "variant";

    /** Table 1's rows: name → what it switches on over v1. */
    static final Map<String, Map<String, String>> VARIANTS = variants();

    private static Map<String, Map<String, String>> variants() {
        Map<String, String> mlp = Map.of(MocoConfig.HEAD, "mlp", MocoConfig.TEMPERATURE, "0.2");
        Map<String, String> augPlus = Map.of(MocoConfig.AUGMENTATION, "v2");
        Map<String, String> cosine = Map.of(MocoConfig.SCHEDULE, "cosine");
        Map<String, Map<String, String>> v = new LinkedHashMap<>();
        v.put("v1", Map.of());
        v.put("mlp", mlp);
        v.put("aug+", augPlus);
        v.put("mlp+aug+", merge(mlp, augPlus));
        v.put("mlp+aug+cos", merge(merge(mlp, augPlus), cosine));
        return v;
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    static int queueSize(Budget budget) {
        return budget.pick(16, 4096, 4096);
    }

    @Override
    public String name() {
        return "v2-ablation";
    }

    @Override
    public String preset() {
        return "moco-v1";
    }

    @Override
    public List<String> keyColumns() {
        return List.of(VARIANT);
    }

    @Override
    public List<PlannedRun> plan(Budget budget, ExperimentData data, MocoConfig base, DictionaryRegistry registry, PrintStream notes) {
        List<PlannedRun> runs = new ArrayList<>();
        // v1's lr drops x0.1 at 60% and 80% of training (120 and 160 of 200 epochs)
        String milestones = Math.max(1, Math.round(0.6f * budget.epochs())) + "," + Math.max(1, Math.round(0.8f * budget.epochs()));
        for (Map.Entry<String, Map<String, String>> variant : VARIANTS.entrySet()) {
            Map<String, String> s = new LinkedHashMap<>();
            s.put(MocoConfig.DICTIONARY, "queue");
            s.put(DictionarySettings.negatives(DictionarySettings.QUEUE), Integer.toString(queueSize(budget)));
            s.put(MocoConfig.MILESTONES, milestones);
            s.putAll(variant.getValue());
            runs.add(new PlannedRun(Map.of(VARIANT, variant.getKey()), 0, s, PlannedRun.Kind.FINAL));
        }
        return runs;
    }

    @Override
    public void report(List<ResultRow> rows, Budget budget, Path chart, Path table) {
        SeedGroups groups = SeedGroups.of(rows, keyColumns());
        List<String> present = VARIANTS.keySet().stream().filter(v -> !groups.rows(Map.of(VARIANT, v)).isEmpty()).toList();
        if (!present.isEmpty()) {
            CategoryChart c = ExperimentChart.category("MoCo v2 ablation, K=" + queueSize(budget) + ", " + budget.id()
                    + " budget", "variant (over MoCo v1)", "top-1 (%)");
            c.getStyler().setYAxisMin(0.0);
            c.getStyler().setYAxisMax(100.0);
            for (String[] metric : new String[][] {{"linear_accuracy", "linear"}, {"knn_accuracy", "kNN"}}) {
                c.addSeries(metric[1], present, groups.percentMeans(VARIANT, present, metric[0]));
            }
            ExperimentChart.write(chart, List.of(ExperimentChart.panel(c)));
        }
        MarkdownTable t = new MarkdownTable(List.of("variant", "MLP", "aug+", "cos", "linear top-1 %", "kNN top-1 %",
                "train time", "status"));
        for (String v : present) {
            Map<String, String> key = Map.of(VARIANT, v);
            Map<String, String> s = VARIANTS.get(v);
            ResultRow r = groups.rows(key).get(0);
            t.row(List.of(v, s.containsKey(MocoConfig.HEAD) ? "✓" : "", s.containsKey(MocoConfig.AUGMENTATION) ? "✓" : "",
                    s.containsKey(MocoConfig.SCHEDULE) ? "✓" : "", MarkdownTable.percent(groups.values(key, "linear_accuracy")),
                    MarkdownTable.percent(groups.values(key, "knn_accuracy")), MarkdownTable.duration(r.getDouble("train_seconds")),
                    r.get("status")));
        }
        t.write(table, "MoCo v2 ablation (" + budget.id() + " budget)", List.of(
                "Command: `./moco experiment v2-ablation --budget " + budget.id() + "`. " + budget.describe(),
                "Every row starts from the moco-v1 preset (linear head, T=0.07, v1 augmentation, step schedule); MLP rows use T=0.2."));
    }
}
