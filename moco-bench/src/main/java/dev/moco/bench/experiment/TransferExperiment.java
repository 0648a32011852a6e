package dev.moco.bench.experiment;

import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.dict.queue.QueueDictionaryProvider;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.CategoryChart;

/**
 * {@code moco experiment transfer}: random against MoCo initialisation of the same encoder,
 * scored on frozen features by the linear probe and kNN. The MoCo encoder is pretrained with
 * the queue (K=4096) at the budget.
 *
 * <p>What this does not cover yet: the supervised initialisation and the detection and
 * segmentation fine-tuning of the downstream issue, which this project does not have; the
 * command says so when it runs.
 */
final class TransferExperiment implements Experiment {

    static final String INIT = "init";

    static int queueSize(Budget budget) {
        return budget.pick(16, 4096, 4096);
    }

    @Override
    public String name() {
        return "transfer";
    }

    @Override
    public String preset() {
        return "moco-v2";
    }

    @Override
    public List<String> keyColumns() {
        return List.of(INIT);
    }

    @Override
    public List<PlannedRun> plan(Budget budget, ExperimentData data, MocoConfig base, DictionaryRegistry registry, PrintStream notes) {
        notes.println("note: the supervised initialisation and the detection and segmentation transfer are not part of this"
                + " project yet; this experiment compares random and MoCo initialisation on the linear probe and kNN");
        Map<String, String> moco = new LinkedHashMap<>();
        moco.put(MocoConfig.DICTIONARY, "queue");
        moco.put(QueueDictionaryProvider.SIZE, Integer.toString(queueSize(budget)));
        return List.of(new PlannedRun(Map.of(INIT, "random"), 0, Map.of(), PlannedRun.Kind.UNTRAINED),
                new PlannedRun(Map.of(INIT, "moco"), 0, moco, PlannedRun.Kind.FINAL));
    }

    @Override
    public void report(List<ResultRow> rows, Budget budget, Path chart, Path table) {
        SeedGroups groups = SeedGroups.of(rows, keyColumns());
        List<String> present = groups.values(INIT);
        CategoryChart c = ExperimentChart.category("frozen features by initialisation, " + budget.id() + " budget",
                "initialisation", "top-1 (%)");
        c.getStyler().setYAxisMin(0.0);
        c.getStyler().setYAxisMax(100.0);
        for (String[] metric : new String[][] {{"linear_accuracy", "linear"}, {"knn_accuracy", "kNN"}}) {
            c.addSeries(metric[1], present, present.stream().map(i -> 100 * groups.mean(Map.of(INIT, i), metric[0]))
                    .map(x -> x.isNaN() ? 0.0 : x).toList());
        }
        ExperimentChart.write(chart, List.of(c));
        MarkdownTable t = new MarkdownTable(List.of("initialisation", "linear top-1 %", "kNN top-1 %", "train time"));
        for (String init : present) {
            Map<String, String> key = Map.of(INIT, init);
            t.row(List.of(init, MarkdownTable.percent(groups.values(key, "linear_accuracy")),
                    MarkdownTable.percent(groups.values(key, "knn_accuracy")),
                    MarkdownTable.duration(groups.rows(key).get(0).getDouble("train_seconds"))));
        }
        t.write(table, "Transfer: random vs MoCo initialisation (" + budget.id() + " budget)", List.of(
                "Command: `./moco experiment transfer --budget " + budget.id() + "`. " + budget.describe(),
                "Not covered yet: the supervised initialisation and detection / segmentation fine-tuning (moco-downstream"
                        + " has neither)."));
    }
}
