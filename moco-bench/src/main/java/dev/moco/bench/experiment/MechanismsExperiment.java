package dev.moco.bench.experiment;

import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.knowm.xchart.XYChart;

/**
 * {@code moco experiment mechanisms}: the paper's Figure 3 — linear and kNN accuracy against
 * the number of negatives K for end-to-end, the memory bank and MoCo (He et al. 2020,
 * Sec. 4.1). The memory bank runs with a random and with an encoder-filled initial bank; any
 * installed dictionary given with {@code --dictionary NAME[:KEY]} runs at every K too (KEY
 * is its setting that holds K). End-to-end's K is its batch (N − 1 negatives), with the
 * learning rate scaled linearly with the batch as in the paper, and it runs only up to the
 * largest batch allowed.
 */
final class MechanismsExperiment implements Experiment {

    static final String MECHANISM = "mechanism";
    static final String K = "k";
    static final String QUEUE = DictionarySettings.QUEUE;
    static final String MEMORY_BANK = DictionarySettings.MEMORY_BANK;
    static final String MEMORY_BANK_ENCODER = "memory-bank+encoder-init";
    static final String END_TO_END = DictionarySettings.END_TO_END;
    static final String UNTRAINED = "untrained";

    /** An installed dictionary added by name, with the setting that holds its K. */
    record ExtraDictionary(String name, String sizeKey) {

        /**
         * Parses {@code NAME[:KEY]}; KEY may be left out when the dictionary declares its K
         * ({@code DictionaryProvider.negativesSetting()}).
         *
         * @throws IllegalArgumentException if NAME is not installed, or KEY is missing or not one of its settings
         */
        static ExtraDictionary parse(String text, DictionaryRegistry registry) {
            int colon = text.indexOf(':');
            String name = (colon < 0 ? text : text.substring(0, colon)).trim();
            if (List.of(QUEUE, MEMORY_BANK, END_TO_END).contains(name)) {
                throw new IllegalArgumentException("--dictionary " + name + ": " + name
                        + " is already on the chart; --dictionary adds other installed dictionaries");
            }
            if (!registry.names().contains(name)) {
                throw new IllegalArgumentException("--dictionary " + name + ": no such dictionary is installed; installed: "
                        + String.join(", ", new TreeSet<>(registry.names())));
            }
            Map<String, String> settings = registry.provider(name).settings();
            String key = colon < 0 ? registry.provider(name).negativesSetting().orElse(null) : text.substring(colon + 1).trim();
            if (key == null) {
                throw new IllegalArgumentException("--dictionary " + name + ": say which of its settings holds K, as --dictionary "
                        + name + ":<key>; its settings: " + String.join(", ", new TreeSet<>(settings.keySet())));
            }
            if (!settings.containsKey(key)) {
                throw new IllegalArgumentException("--dictionary " + text + ": '" + key + "' is not a setting of " + name
                        + "; its settings: " + String.join(", ", new TreeSet<>(settings.keySet())));
            }
            return new ExtraDictionary(name, key);
        }
    }

    private final List<String> extraDictionaries;
    private final int maxEndToEndBatch;

    /**
     * @param extraDictionaries {@code NAME[:KEY]} of further installed dictionaries
     * @param maxEndToEndBatch the largest end-to-end batch run (its K); larger ones are left out
     */
    MechanismsExperiment(List<String> extraDictionaries, int maxEndToEndBatch) {
        this.extraDictionaries = List.copyOf(extraDictionaries);
        this.maxEndToEndBatch = maxEndToEndBatch;
    }

    @Override
    public String name() {
        return "mechanisms";
    }

    @Override
    public String preset() {
        return "moco-v2";
    }

    @Override
    public List<String> keyColumns() {
        return List.of(MECHANISM, K);
    }

    static List<Integer> negatives(Budget budget) {
        return budget.pick(List.of(16), List.of(256, 1024, 4096), List.of(256, 1024, 4096, 16384, 65536));
    }

    static List<Integer> endToEndBatches(Budget budget) {
        return budget.pick(List.of(16), List.of(256, 512), List.of(256, 512, 1024));
    }

    /**
     * The K values run with more seeds, to show the spread: the same two at small and full, so
     * that the budgets' tables compare. (K=256 was chosen over 1,024 when a run at 1,024 was
     * guessed at 1.7 hours; measured alone, it trained in 28 minutes, as long as at 256.)
     */
    static List<Integer> spreadNegatives(Budget budget) {
        return budget.pick(List.of(16), List.of(256, 4096), List.of(256, 4096));
    }

    static List<Long> spreadSeeds(Budget budget) {
        return budget.pick(List.of(1L), List.of(1L), List.of(1L, 2L));
    }

    @Override
    public List<PlannedRun> plan(Budget budget, ExperimentData data, MocoConfig base, DictionaryRegistry registry, PrintStream notes) {
        return plan(budget, data.pretraining().size(), base.getDouble(MocoConfig.LEARNING_RATE), registry, notes);
    }

    /**
     * The plan for {@code images} pretraining images: seed 0 at every K, then the spread seeds at their K.
     *
     * @param learningRate the learning rate at the budget's batch, scaled linearly for end-to-end's batches
     */
    List<PlannedRun> plan(Budget budget, int images, double learningRate, DictionaryRegistry registry, PrintStream notes) {
        List<ExtraDictionary> extras = extraDictionaries.stream().map(d -> ExtraDictionary.parse(d, registry)).toList();
        TreeSet<Integer> everyK = new TreeSet<>(negatives(budget));
        everyK.addAll(endToEndBatches(budget));
        List<PlannedRun> runs = new ArrayList<>();
        runs.add(untrained(0));
        for (int k : everyK) {
            runs.addAll(runsAt(k, 0, budget, images, learningRate, extras, notes));
        }
        for (long seed : spreadSeeds(budget)) {
            runs.add(untrained(seed));
            for (int k : spreadNegatives(budget)) {
                runs.addAll(runsAt(k, seed, budget, images, learningRate, extras, null));
            }
        }
        return runs;
    }

    private static PlannedRun untrained(long seed) {
        return new PlannedRun(key(UNTRAINED, ""), seed, Map.of(), PlannedRun.Kind.UNTRAINED);
    }

    private List<PlannedRun> runsAt(int k, long seed, Budget budget, int images, double learningRate,
            List<ExtraDictionary> extras, PrintStream notes) {
        List<PlannedRun> runs = new ArrayList<>();
        if (endToEndBatches(budget).contains(k)) {
            if (k > maxEndToEndBatch || k > images) {
                note(notes, "end-to-end K=%d left out: its batch of %d is above --max-end-to-end-batch %d or the %d images", k, k,
                        maxEndToEndBatch, images);
            } else {
                Map<String, String> s = new LinkedHashMap<>();
                s.put(MocoConfig.DICTIONARY, END_TO_END);
                s.put(MocoConfig.BATCH_SIZE, Integer.toString(k));
                // linear learning-rate scaling with the batch (Goyal et al. 2017), as the paper's end-to-end runs
                s.put(MocoConfig.LEARNING_RATE, Double.toString(learningRate * k / budget.batchSize()));
                runs.add(new PlannedRun(key(END_TO_END, Integer.toString(k)), seed, s, PlannedRun.Kind.FINAL));
            }
        }
        if (!negatives(budget).contains(k)) {
            return runs;
        }
        if (k + budget.batchSize() <= images) {
            runs.add(bank(k, seed, "random", MEMORY_BANK));
            runs.add(bank(k, seed, "encoder", MEMORY_BANK_ENCODER));
        } else {
            note(notes, "memory bank K=%d left out: it draws K negatives among the other N − batch = %d bank rows", k,
                    images - budget.batchSize());
        }
        runs.add(new PlannedRun(key(QUEUE, Integer.toString(k)), seed,
                Map.of(MocoConfig.DICTIONARY, QUEUE, DictionarySettings.negatives(DictionarySettings.QUEUE), Integer.toString(k)), PlannedRun.Kind.FINAL));
        for (ExtraDictionary extra : extras) {
            runs.add(new PlannedRun(key(extra.name(), Integer.toString(k)), seed,
                    Map.of(MocoConfig.DICTIONARY, extra.name(), extra.sizeKey(), Integer.toString(k)), PlannedRun.Kind.FINAL));
        }
        return runs;
    }

    private static PlannedRun bank(int k, long seed, String init, String label) {
        return new PlannedRun(key(label, Integer.toString(k)), seed, Map.of(MocoConfig.DICTIONARY, MEMORY_BANK,
                DictionarySettings.negatives(DictionarySettings.MEMORY_BANK), Integer.toString(k), DictionarySettings.MEMORY_BANK_INIT, init), PlannedRun.Kind.FINAL);
    }

    private static Map<String, String> key(String mechanism, String k) {
        Map<String, String> key = new LinkedHashMap<>();
        key.put(MECHANISM, mechanism);
        key.put(K, k);
        return key;
    }

    private static void note(PrintStream notes, String format, Object... args) {
        if (notes != null) {
            notes.println("note: " + String.format(Locale.ROOT, format, args));
        }
    }

    static String legend(String mechanism) {
        return switch (mechanism) {
            case QUEUE -> "MoCo (queue)";
            case MEMORY_BANK -> "memory bank (random init)";
            case MEMORY_BANK_ENCODER -> "memory bank (encoder init)";
            case END_TO_END -> "end-to-end";
            case UNTRAINED -> "untrained encoder";
            default -> mechanism;
        };
    }

    /** The short name in the chart's legend. */
    static String shortLegend(String mechanism) {
        return switch (mechanism) {
            case QUEUE -> "MoCo";
            case MEMORY_BANK -> "bank (random init)";
            case MEMORY_BANK_ENCODER -> "bank (encoder init)";
            default -> mechanism;
        };
    }

    @Override
    public void report(List<ResultRow> rows, Budget budget, Path chart, Path table) {
        SeedGroups groups = SeedGroups.of(rows, keyColumns());
        List<String> mechanisms = groups.values(MECHANISM).stream().filter(m -> !m.equals(UNTRAINED)).toList();
        double untrainedKnn = groups.mean(key(UNTRAINED, ""), "knn_accuracy");
        double untrainedLinear = groups.mean(key(UNTRAINED, ""), "linear_accuracy");
        List<Integer> ks = rows.stream().filter(r -> !r.get(K).isEmpty()).map(r -> Integer.parseInt(r.get(K))).distinct()
                .sorted().toList();
        List<XYChart> panels = new ArrayList<>();
        for (String[] metric : new String[][] {{"linear_accuracy", "linear top-1 (%)"}, {"knn_accuracy", "kNN top-1 (%)"}}) {
            XYChart c = ExperimentChart.xy(metric[1] + " vs K, " + budget.id() + " budget", "K (negatives, log scale)", metric[1]);
            // x is log2 K, labelled with K at the powers of two, as the paper's axis
            c.setCustomXAxisTickLabelsFormatter(x -> Math.abs(x - Math.rint(x)) < 1e-6 ? Long.toString(1L << Math.round(x)) : "");
            c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
            c.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
            c.getStyler().setLegendFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 11));
            int colour = 0;
            for (String mechanism : mechanisms) {
                List<double[]> points = new ArrayList<>();
                for (int k : ks) {
                    Spread s = groups.spread(key(mechanism, Integer.toString(k)), metric[0]);
                    if (s.n() > 0 && !Double.isNaN(s.mean())) {
                        points.add(new double[] {log2(k), 100 * s.mean(), 100 * s.sd()});
                    }
                }
                if (!points.isEmpty()) {
                    ExperimentChart.line(c, shortLegend(mechanism), column(points, 0), column(points, 1), column(points, 2), colour);
                }
                colour++;
            }
            double untrained = metric[0].equals("knn_accuracy") ? untrainedKnn : untrainedLinear;
            if (!Double.isNaN(untrained) && ks.size() > 0) {
                var s = c.addSeries("untrained", new double[] {log2(ks.get(0)), log2(ks.get(ks.size() - 1))},
                        new double[] {100 * untrained, 100 * untrained});
                s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
                s.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.DASH_DASH);
                s.setLineColor(java.awt.Color.GRAY);
            }
            if (!c.getSeriesMap().isEmpty()) {
                panels.add(c);
            }
        }
        if (!panels.isEmpty()) {
            ExperimentChart.write(chart, panels.stream().map(ExperimentChart::panel).toList());
        }
        MarkdownTable t = new MarkdownTable(List.of("mechanism", "K", "negatives", "linear top-1 %", "kNN top-1 %",
                "pretext acc. %", "seeds", "train time (each)", "status"));
        for (Map<String, String> key : groups.keys().stream().sorted(tableOrder()).toList()) {
            List<ResultRow> seeds = groups.rows(key);
            ResultRow first = seeds.get(0);
            t.row(List.of(legend(key.get(MECHANISM)), key.get(K).isEmpty() ? "–" : key.get(K),
                    first.get("negatives").isEmpty() ? "–" : first.get("negatives"),
                    MarkdownTable.percent(groups.values(key, "linear_accuracy")),
                    MarkdownTable.percent(groups.values(key, "knn_accuracy")),
                    MarkdownTable.percent(groups.values(key, "pretext_accuracy")),
                    seeds.stream().map(r -> r.get(ExperimentDriver.SEED)).reduce((a, b) -> a + " " + b).orElse(""),
                    MarkdownTable.duration(Spread.of(groups.values(key, "train_seconds")).mean()),
                    seeds.stream().map(r -> r.get("status")).distinct().reduce((a, b) -> a + "; " + b).orElse("")));
        }
        t.write(table, "Mechanisms: accuracy against K (" + budget.id() + " budget)", List.of(
                "Command: `./moco experiment mechanisms --budget " + budget.id() + "`. " + budget.describe(),
                "Mean ± sample standard deviation over the seeds listed where more than one ran."));
    }

    private static double log2(int k) {
        return Math.log(k) / Math.log(2);
    }

    /** Table order: untrained, end-to-end, the banks, the queue, then added dictionaries; K ascending within each. */
    private static Comparator<Map<String, String>> tableOrder() {
        List<String> order = List.of(UNTRAINED, END_TO_END, MEMORY_BANK, MEMORY_BANK_ENCODER, QUEUE);
        return Comparator.<Map<String, String>>comparingInt(k -> order.contains(k.get(MECHANISM))
                        ? order.indexOf(k.get(MECHANISM)) : order.size())
                .thenComparing(k -> k.get(MECHANISM))
                .thenComparingInt(k -> k.get(K).isEmpty() ? 0 : Integer.parseInt(k.get(K)));
    }

    private static double[] column(List<double[]> points, int index) {
        return points.stream().mapToDouble(p -> p[index]).toArray();
    }
}
