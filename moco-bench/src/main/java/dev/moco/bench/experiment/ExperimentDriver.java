package dev.moco.bench.experiment;

import dev.moco.bench.benchmark.memory.ResidentMemory;
import dev.moco.bench.cli.pretrain.CheatingDetector;
import dev.moco.bench.cli.pretrain.MetricsRow;
import dev.moco.core.NonFiniteLossException;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.EpochReport;
import dev.moco.core.run.Pretraining;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs an {@link Experiment}'s plan at one budget: each run's row goes to
 * {@code <results>/<name>.csv} the moment it is finished, rows already there are skipped, and
 * the chart {@code <name>-<budget>.png} and table {@code <name>-<budget>.md} are redrawn after
 * every new row. Runs in progress keep their checkpoints in {@code <results>/runs/}, so a
 * re-run after an interruption continues where it stopped.
 */
final class ExperimentDriver {

    /** Columns every row has after the experiment's key columns. */
    static final String BUDGET = "budget";
    static final String SEED = "seed";
    static final String EPOCH = "epoch";
    static final List<String> FINAL_COLUMNS = List.of("status", "negatives", "epochs", "pretrain_images", "batch",
            "knn_accuracy", "linear_accuracy", "pretext_accuracy", "loss", "train_seconds", "eval_seconds");
    static final List<String> EPOCH_COLUMNS = List.of("negatives", "loss", "pretext_accuracy", "knn_accuracy",
            "collapse_warning", "images_per_second", "eval_seconds");

    /**
     * @param settings the user's {@code --set key=value}s, applied over preset and budget
     * @param only {@code COLUMN=VALUE[,VALUE...]} filters: run only the planned runs whose key
     *     column (or seed) has one of the values
     * @param progress show a progress bar per epoch
     */
    record Options(Budget budget, Path data, Path results, List<String> settings, List<String> only, boolean progress) {}

    /** What a finished experiment command reports. */
    record Summary(Path csv, int rowsOfBudget, int ran, int skipped, Path chart, Path table) {}

    private final Options options;
    private final PrintStream out;
    private final PrintStream err;

    ExperimentDriver(Options options, PrintStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
    }

    static List<String> keyColumns(Experiment experiment) {
        List<String> key = new ArrayList<>(experiment.keyColumns());
        key.add(BUDGET);
        key.add(SEED);
        if (experiment.perEpoch()) {
            key.add(EPOCH);
        }
        return key;
    }

    static List<String> columns(Experiment experiment) {
        List<String> columns = keyColumns(experiment);
        columns.addAll(experiment.valueColumns());
        return columns;
    }

    Summary run(Experiment experiment) throws IOException {
        Budget budget = options.budget();
        DictionaryRegistry registry = DictionaryRegistry.discover();
        MocoConfig base = config(experiment, registry, Map.of(), 0);
        ExperimentData data = ExperimentData.open(options.data(), budget, base.getInt(MocoConfig.IMAGE_SIZE));
        ResultsFile results = ResultsFile.open(options.results().resolve(experiment.name() + ".csv"),
                columns(experiment), keyColumns(experiment));
        Path chart = options.results().resolve(experiment.name() + "-" + budget.id() + ".png");
        Path table = options.results().resolve(experiment.name() + "-" + budget.id() + ".md");
        out.println("experiment " + experiment.name() + ", budget " + budget.id() + ": " + data.describe());
        List<PlannedRun> plan = select(experiment, experiment.plan(budget, data, base, registry, out));
        for (PlannedRun run : plan) {
            for (String assignment : options.settings()) {
                String key = assignment.substring(0, Math.max(0, assignment.indexOf('='))).trim();
                if (run.settings().containsKey(key)) {
                    throw new IllegalArgumentException("--set " + key + " conflicts with experiment " + experiment.name()
                            + ", which sets it per run (" + run.describe() + ")");
                }
            }
        }
        experiment.announce(plan, rowsOf(results, budget), budget, out);
        Evaluation evaluation = new Evaluation(data, budget.linearEpochs());
        int ran = 0;
        int skipped = 0;
        for (int i = 0; i < plan.size(); i++) {
            PlannedRun run = plan.get(i);
            String prefix = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, plan.size(), run.describe());
            MocoConfig config = config(experiment, registry, run.settings(), run.seed());
            if (isFinished(results, run, config)) {
                out.println(prefix + ": already in " + results.file() + ", skipped");
                skipped++;
                continue;
            }
            out.println(prefix + " ...");
            out.flush();
            Path runDir = options.results().resolve("runs").resolve(experiment.name()).resolve(budget.id())
                    .resolve(run.directoryName());
            switch (run.kind()) {
                case UNTRAINED -> untrained(run, config, data, evaluation, results, prefix);
                case FINAL -> trained(run, config, data, evaluation, results, runDir, prefix);
                case PER_EPOCH -> perEpoch(run, config, data, evaluation, results, runDir, prefix);
                case CUSTOM -> {
                    Map<String, String> row = rowKey(run);
                    row.putAll(experiment.runCustom(run, config, data, budget, runDir, options.progress(), out, err));
                    results.append(new ResultRow(row));
                    out.println(prefix + ": " + row);
                }
            }
            ran++;
            ResidentMemory.releaseAfterRun();
            out.println(prefix + ": memory after the row: " + ResidentMemory.describe());
            experiment.report(rowsOf(results, budget), budget, chart, table);
        }
        List<ResultRow> rows = rowsOf(results, budget);
        if (!rows.isEmpty()) {
            experiment.report(rows, budget, chart, table);
        }
        return new Summary(results.file(), rows.size(), ran, skipped, chart, table);
    }

    /** The runs of {@code plan} that every {@code --only} filter admits. */
    private List<PlannedRun> select(Experiment experiment, List<PlannedRun> plan) {
        List<PlannedRun> selected = plan;
        for (String filter : options.only()) {
            int eq = filter.indexOf('=');
            String column = eq < 0 ? "" : filter.substring(0, eq).trim();
            List<String> allowed = new ArrayList<>(experiment.keyColumns());
            allowed.add(SEED);
            if (!allowed.contains(column)) {
                throw new IllegalArgumentException("--only " + filter + ": use COLUMN=VALUE[,VALUE...] with a column of "
                        + experiment.name() + ": " + String.join(", ", allowed));
            }
            List<String> values = List.of(filter.substring(eq + 1).split(",")).stream().map(String::trim).toList();
            selected = selected.stream().filter(r -> values.contains(column.equals(SEED) ? Long.toString(r.seed())
                    : r.key().get(column))).toList();
        }
        return selected;
    }

    private MocoConfig config(Experiment experiment, DictionaryRegistry registry, Map<String, String> runSettings, long seed) {
        MocoConfig.Builder builder = MocoConfig.builder(registry.settings()).preset(experiment.preset());
        options.budget().settings().forEach(builder::set);
        builder.set(options.settings());
        runSettings.forEach(builder::set);
        builder.set(MocoConfig.SEED, Long.toString(seed));
        return builder.build();
    }

    private Map<String, String> rowKey(PlannedRun run) {
        Map<String, String> key = new LinkedHashMap<>(run.key());
        key.put(BUDGET, options.budget().id());
        key.put(SEED, Long.toString(run.seed()));
        return key;
    }

    private boolean isFinished(ResultsFile results, PlannedRun run, MocoConfig config) {
        Map<String, String> key = rowKey(run);
        if (run.kind() == PlannedRun.Kind.PER_EPOCH) {
            key.put(EPOCH, Integer.toString(config.getInt(MocoConfig.EPOCHS)));
        }
        return results.contains(key);
    }

    private static List<ResultRow> rowsOf(ResultsFile results, Budget budget) {
        return results.rows().stream().filter(r -> r.get(BUDGET).equals(budget.id())).toList();
    }

    private void untrained(PlannedRun run, MocoConfig config, ExperimentData data, Evaluation evaluation,
            ResultsFile results, String prefix) {
        Evaluation.Scores scores;
        try (var setup = ExperimentRuns.untrained(config, data)) {
            scores = evaluation.evaluate(setup.queryEncoder(), true, run.seed());
        }
        Map<String, String> row = rowKey(run);
        row.put("status", "untrained");
        row.put("epochs", "0");
        row.put("knn_accuracy", ResultRow.number(scores.knn()));
        row.put("linear_accuracy", ResultRow.number(scores.linear()));
        row.put("eval_seconds", ResultRow.rounded(scores.seconds()));
        results.append(new ResultRow(row));
        out.printf(Locale.ROOT, "%s: knn %.4f linear %.4f (evaluation %.0f s)%n", prefix, scores.knn(), scores.linear(),
                scores.seconds());
    }

    private void trained(PlannedRun run, MocoConfig config, ExperimentData data, Evaluation evaluation,
            ResultsFile results, Path runDir, String prefix) {
        String status = "ok";
        ExperimentRuns.Trained trained;
        try {
            trained = ExperimentRuns.train(config, data, runDir, setup -> List.of(), options.progress(), err);
        } catch (NonFiniteLossException e) {
            // a result in its own right (the paper's m = 0 "fails to converge"): record it, do not retry it
            status = "diverged at step " + (e.step() + 1);
            out.println(prefix + ": " + status + ": " + e.getMessage());
            trained = null;
        }
        Map<String, String> row = rowKey(run);
        row.put("status", status);
        row.put("epochs", config.getString(MocoConfig.EPOCHS));
        row.put("pretrain_images", Integer.toString(data.pretraining().size()));
        row.put("batch", config.getString(MocoConfig.BATCH_SIZE));
        if (trained != null) {
            Evaluation.Scores scores;
            try (var setup = trained.run()) {
                scores = evaluation.evaluate(trained.queryEncoder(), true, run.seed());
            }
            MetricsRow last = trained.last();
            row.put("negatives", Long.toString(trained.run().dictionary().negativesPerQuery()));
            row.put("knn_accuracy", ResultRow.number(scores.knn()));
            row.put("linear_accuracy", ResultRow.number(scores.linear()));
            row.put("pretext_accuracy", last == null ? "" : ResultRow.number(last.pretextAccuracy()));
            row.put("loss", last == null ? "" : ResultRow.number(last.loss()));
            row.put("train_seconds", ResultRow.rounded(trained.trainSeconds()));
            row.put("eval_seconds", ResultRow.rounded(scores.seconds()));
            out.printf(Locale.ROOT, "%s: knn %.4f linear %.4f, last epoch loss %.4f pretext %.4f (train %.0f s, evaluation %.0f s)%n",
                    prefix, scores.knn(), scores.linear(), last == null ? Double.NaN : last.loss(),
                    last == null ? Double.NaN : last.pretextAccuracy(), trained.trainSeconds(), scores.seconds());
        }
        results.append(new ResultRow(row));
    }

    private void perEpoch(PlannedRun run, MocoConfig config, ExperimentData data, Evaluation evaluation,
            ResultsFile results, Path runDir, String prefix) {
        Map<String, String> runKey = rowKey(run);
        Map<String, String> untrainedKey = new LinkedHashMap<>(runKey);
        untrainedKey.put(EPOCH, "0");
        if (!results.contains(untrainedKey)) {
            Evaluation.Scores scores;
            long negatives;
            try (var setup = ExperimentRuns.untrained(config, data)) {
                scores = evaluation.evaluate(setup.queryEncoder(), false, run.seed());
                negatives = setup.dictionary().negativesPerQuery();
            }
            Map<String, String> row = new LinkedHashMap<>(untrainedKey);
            row.put("negatives", Long.toString(negatives));
            row.put("knn_accuracy", ResultRow.number(scores.knn()));
            row.put("collapse_warning", "false");
            row.put("eval_seconds", ResultRow.rounded(scores.seconds()));
            results.append(new ResultRow(row));
            out.printf(Locale.ROOT, "%s: epoch 0 (untrained): knn %.4f%n", prefix, scores.knn());
        }
        CheatingDetector detector = new CheatingDetector(err);
        results.rows().stream().filter(r -> r.matches(runKey))
                .max(Comparator.comparingInt(r -> Integer.parseInt(r.get(EPOCH))))
                .ifPresent(r -> detector.setPreviousKnnAccuracy(r.getDouble("knn_accuracy")));
        try {
            ExperimentRuns.train(config, data, runDir,
                    setup -> new EpochRows(run, runKey, setup, evaluation, detector, results, prefix).listeners(),
                    options.progress(), err).run().close();
        } catch (NonFiniteLossException e) {
            out.println(prefix + ": stopped: " + e.getMessage());
        }
    }

    /** The listeners of a per-epoch run: kNN with the full protocol, the collapse detector, then the epoch's row. */
    private final class EpochRows {
        private final PlannedRun run;
        private final Map<String, String> runKey;
        private final Pretraining setup;
        private final Evaluation evaluation;
        private final CheatingDetector detector;
        private final ResultsFile results;
        private final String prefix;
        private int warningsBefore;
        private double evalSeconds;

        EpochRows(PlannedRun run, Map<String, String> runKey, Pretraining setup, Evaluation evaluation,
                CheatingDetector detector, ResultsFile results, String prefix) {
            this.run = run;
            this.runKey = runKey;
            this.setup = setup;
            this.evaluation = evaluation;
            this.detector = detector;
            this.results = results;
            this.prefix = prefix;
        }

        List<AfterEpochListener> listeners() {
            return List.of(this::evaluate, detector, this::write);
        }

        private void evaluate(EpochReport epoch) {
            Evaluation.Scores scores = evaluation.evaluate(setup.queryEncoder(), false, run.seed());
            evalSeconds = scores.seconds();
            warningsBefore = detector.warningsIssued();
            epoch.putMetric(EpochReport.KNN_ACCURACY, scores.knn());
        }

        private void write(EpochReport epoch) {
            Map<String, String> row = new LinkedHashMap<>(runKey);
            row.put(EPOCH, Integer.toString(epoch.epoch()));
            if (results.contains(row)) {
                return;     // written by a sitting that stopped before this epoch's checkpoint
            }
            double knn = epoch.metric(EpochReport.KNN_ACCURACY).orElse(Double.NaN);
            boolean fired = detector.warningsIssued() > warningsBefore;
            row.put("negatives", Long.toString(setup.dictionary().negativesPerQuery()));
            row.put("loss", ResultRow.number(epoch.meanLoss()));
            row.put("pretext_accuracy", ResultRow.number(epoch.meanPretextAccuracy()));
            row.put("knn_accuracy", ResultRow.number(knn));
            row.put("collapse_warning", Boolean.toString(fired));
            row.put("images_per_second", ResultRow.rounded(epoch.imagesPerSecond()));
            row.put("eval_seconds", ResultRow.rounded(evalSeconds));
            results.append(new ResultRow(row));
            out.printf(Locale.ROOT, "%s: epoch %d: loss %.4f pretext %.4f knn %.4f%s%n", prefix, epoch.epoch(),
                    epoch.meanLoss(), epoch.meanPretextAccuracy(), knn, fired ? " (collapse detector fired)" : "");
            out.flush();
        }
    }
}
