package dev.moco.bench.experiment;

import dev.moco.bench.benchmark.memory.ResidentMemory;
import dev.moco.bench.cli.RunDirectory;
import dev.moco.bench.cli.downstream.EpochTable;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.IdxFile;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.Split;
import dev.moco.core.data.Subset;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.transfer.InstanceSegmentationTask;
import dev.moco.downstream.transfer.FineTuneSettings;
import dev.moco.downstream.transfer.SegmentationTask;
import dev.moco.tensorfile.AtomicFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.DoubleFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;

/**
 * {@code moco experiment transfer}: random, supervised and MoCo initialisation of the same
 * ResNet-20, scored by the downstream commands (He et al. 2020, Sec. 4.2): {@code ./moco eval
 * linear} and {@code ./moco eval knn} on frozen features, and {@code ./moco transfer segment}
 * (mIoU) and {@code ./moco transfer instances} (COCO box and mask AP, AP50, AP75, from one
 * fine-tuning, as Mask R-CNN's) fine-tuned on canvases
 * generated from Fashion-MNIST, with the same schedule and budget for every initialisation.
 *
 * <p>A row is one (initialisation, regime, schedule, fine-tuning seed):
 * <ul>
 *   <li>regime {@code same}: pretraining and canvases use all ten classes; {@code novel}: MoCo
 *       and the supervised baseline pretrain only on the images of the pretraining classes
 *       (default 0–4: T-shirt/top, trouser, pullover, dress, coat) and the canvases, training and
 *       test, are built from the other classes only, so the downstream classes' images and labels
 *       are never seen in pretraining. The linear probe and kNN always use all ten classes.</li>
 *   <li>schedule {@code 1x}: the commands' own fine-tuning epochs; {@code 2x}: twice the epochs with
 *       every learning-rate milestone twice as late ({@code --schedule 2x}, detectron2's 2×).</li>
 *   <li>seed: the fine-tuning's ({@code --seed}: head initialisation and canvas order). The
 *       encoders do not depend on it: each (initialisation, regime) is pretrained once, with seed
 *       {@value #PRETRAINING_SEED}, into {@code runs/transfer/<budget>/encoders/<init>-<regime>/}
 *       (the random encoder into {@code encoders/random/}), its frozen scores cached beside it,
 *       and every seed and schedule fine-tunes a copy of it.</li>
 * </ul>
 * The MoCo encoder is pretrained with the queue (K=4096) on the budget's images (of the
 * pretraining classes, in the novel regime); the supervised one by {@code ./moco train-supervised}
 * for the budget's epochs over the whole training split (its images of the pretraining classes,
 * in the novel regime). On the tiny budget, a smoke test, every command reads the first
 * {@value #TINY_TRAIN} training and {@value #TINY_TEST} test images instead ({@link #tinyData}).
 */
final class TransferExperiment implements Experiment {

    static final String INIT = "init";
    static final String REGIME = "regime";
    static final String SCHEDULE = "schedule";
    static final List<String> INITS = List.of("random", "supervised", "moco");
    static final String SAME = "same";
    static final String NOVEL = "novel";
    static final List<String> SCHEDULES = List.of("1x", "2x");
    /** T-shirt/top, trouser, pullover, dress, coat: the novel regime's pretraining classes unless chosen otherwise. */
    static final String DEFAULT_PRETRAINING_CLASSES = "0,1,2,3,4";
    /** The seed of every pretraining, whatever the row's fine-tuning seed: one encoder per (init, regime). */
    static final long PRETRAINING_SEED = 0;
    static final List<String> COLUMNS = List.of("status", "linear_accuracy", "knn_accuracy", "miou", "ap", "ap50", "ap75",
            "mask_ap", "mask_ap50", "mask_ap75", "miou_curve", "ap_curve", "mask_ap_curve", "pretrain_seconds",
            "frozen_eval_seconds", "finetune_seconds");
    /** The fine-tuned metrics, {@code {column, label}}, in table order: box AP and mask AP come from one fine-tuning. */
    private static final String[][] FINE_TUNED = {{"miou", "mIoU"}, {"ap", "box AP"}, {"ap50", "box AP50"},
        {"ap75", "box AP75"}, {"mask_ap", "mask AP"}, {"mask_ap50", "mask AP50"}, {"mask_ap75", "mask AP75"}};
    /** The headline metrics, {@code {column, label}}: one per task. */
    private static final String[][] HEADLINE = {{"miou", "mIoU"}, {"ap", "box AP"}, {"mask_ap", "mask AP"}};
    /** The curves of the plateau check, {@code {column, label}}. */
    private static final String[][] CURVES = {{"miou_curve", "mIoU"}, {"ap_curve", "box AP"}, {"mask_ap_curve", "mask AP"}};
    private static final String NUMBER = "([-0-9.eE]+|NaN)";
    private static final String FROZEN_SCORES = "frozen-scores.properties";

    private final List<String> regimes;
    private final int[] pretrainingClasses;

    /**
     * @param regimes {@link #SAME}, {@link #NOVEL} or both, in the order they run
     * @param pretrainingClasses the novel regime's pretraining classes; the canvases take the others
     */
    TransferExperiment(List<String> regimes, List<Integer> pretrainingClasses) {
        if (regimes.isEmpty() || !List.of(SAME, NOVEL).containsAll(regimes)
                || regimes.stream().distinct().count() != regimes.size()) {
            throw new IllegalArgumentException("--regime must be same, novel or same,novel; got " + String.join(",", regimes));
        }
        this.regimes = List.copyOf(regimes);
        this.pretrainingClasses = pretrainingClasses.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The experiment with the regimes of {@code --regime} ("same", "novel" or "same,novel"). */
    static TransferExperiment of(String regimes, List<Integer> pretrainingClasses) {
        return new TransferExperiment(List.of(regimes.toLowerCase(Locale.ROOT).split(",")).stream().map(String::trim).toList(),
                pretrainingClasses);
    }

    static int queueSize(Budget budget) {
        return budget.pick(16, 4096, 4096);
    }

    /** Fine-tuning seeds per (init, regime, schedule): two on the tiny budget's smoke test, three otherwise. */
    static List<Long> seeds(Budget budget) {
        return budget.pick(List.of(0L, 1L), List.of(0L, 1L, 2L), List.of(0L, 1L, 2L));
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
        return List.of(INIT, REGIME, SCHEDULE);
    }

    @Override
    public List<String> valueColumns() {
        return COLUMNS;
    }

    /**
     * The regime's value in the key column: {@code same}, {@code novel}, or, for pretraining
     * classes other than the default, {@code novel-0.2.4.6.8}, so that rows of two class splits
     * never pass for each other.
     */
    String regimeValue(String regime) {
        if (regime.equals(SAME) || joined(",").equals(DEFAULT_PRETRAINING_CLASSES)) {
            return regime;
        }
        return regime + "-" + joined(".");
    }

    @Override
    public List<PlannedRun> plan(Budget budget, ExperimentData data, MocoConfig base, DictionaryRegistry registry,
            PrintStream notes) {
        if (regimes.contains(NOVEL)) {
            canvasClasses(data);    // the class split is checked before any run
        }
        return plan(budget);
    }

    /** 1× for every regime with every seed first, then 2×; within a seed, random, supervised, MoCo. */
    List<PlannedRun> plan(Budget budget) {
        Map<String, String> moco = new LinkedHashMap<>();
        moco.put(MocoConfig.DICTIONARY, "queue");
        moco.put(DictionarySettings.negatives(DictionarySettings.QUEUE), Integer.toString(queueSize(budget)));
        List<PlannedRun> runs = new ArrayList<>();
        for (String schedule : SCHEDULES) {
            for (String regime : regimes) {
                for (long seed : seeds(budget)) {
                    for (String init : INITS) {
                        Map<String, String> key = new LinkedHashMap<>();
                        key.put(INIT, init);
                        key.put(REGIME, regimeValue(regime));
                        key.put(SCHEDULE, schedule);
                        runs.add(new PlannedRun(key, seed, init.equals("moco") ? moco : Map.of(), PlannedRun.Kind.CUSTOM));
                    }
                }
            }
        }
        return runs;
    }

    /**
     * The canvas classes of the novel regime: the classes of the training split that are not
     * pretraining classes.
     *
     * @throws IllegalArgumentException naming {@code --pretrain-classes} if a class has no training
     *     images, is listed twice, or leaves no class (or no Fashion-MNIST class) for the canvases
     */
    GarmentClasses canvasClasses(ExperimentData data) {
        String option = "--pretrain-classes " + joined(",");
        try {
            Subset.ofClasses(data.train(), pretrainingClasses);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage() + " (the training split of " + data.directory()
                    + ")", e);
        }
        BitSet rest = new BitSet();
        for (int i = 0; i < data.train().size(); i++) {
            if (data.train().label(i) >= 0) {
                rest.set(data.train().label(i));
            }
        }
        Arrays.stream(pretrainingClasses).forEach(rest::clear);
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(option + " leaves no class of " + data.directory() + " for the canvases");
        }
        try {
            return GarmentClasses.of(rest.stream().toArray());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " leaves the canvases classes " + rest + ": " + e.getMessage(), e);
        }
    }

    /** The plan, what of it is already done, and an estimate of the rest from the times of the rows measured so far. */
    @Override
    public void announce(List<PlannedRun> plan, List<ResultRow> rows, Budget budget, PrintStream out) {
        List<PlannedRun> toRun = plan.stream().filter(r -> rows.stream().noneMatch(row -> isRowOf(row, r))).toList();
        out.printf(Locale.ROOT, "plan: %d rows (%d already in the results): schedule %s x regime %s x seeds %s x init %s;"
                + " each (init, regime) is pretrained once and fine-tuned by every seed and schedule%n", plan.size(),
                plan.size() - toRun.size(), distinct(plan, SCHEDULE), distinct(plan, REGIME),
                plan.stream().map(r -> Long.toString(r.seed())).distinct().collect(Collectors.joining(",")),
                distinct(plan, INIT));
        Map<String, List<String>> bySchedule = new LinkedHashMap<>();
        for (PlannedRun r : plan) {
            String group = r.key().get(SCHEDULE) + " " + r.key().get(REGIME);
            bySchedule.computeIfAbsent(group, g -> new ArrayList<>())
                    .add(r.key().get(INIT) + "/" + r.seed() + (toRun.contains(r) ? "" : " (done)"));
        }
        bySchedule.forEach((group, runs) -> out.println("  " + group + ": " + String.join(", ", runs)));
        out.println("  " + estimate(toRun, rows));
    }

    /** The estimate line: fine-tuning per row by schedule, pretraining and frozen scores per encoder no row has used yet. */
    private static String estimate(List<PlannedRun> toRun, List<ResultRow> rows) {
        if (toRun.isEmpty()) {
            return "nothing left to run";
        }
        if (rows.isEmpty()) {
            return "estimate for the " + toRun.size() + " rows to run: none yet, no row of this budget is measured (a later"
                    + " start estimates from the rows finished by then)";
        }
        Map<String, Double> perRow = new LinkedHashMap<>();
        for (String schedule : SCHEDULES) {
            perRow.put(schedule, mean(rows.stream().filter(r -> r.get(SCHEDULE).equals(schedule)).toList(), "finetune_seconds"));
        }
        // a schedule not measured yet: the other's time scaled by the epochs (the test set is scored every epoch too)
        double perOneX = perRow.get("1x").isNaN() ? perRow.get("2x") / 2 : perRow.get("1x");
        double seconds = 0;
        List<String> unknown = new ArrayList<>();
        for (PlannedRun r : toRun) {
            String schedule = r.key().get(SCHEDULE);
            double t = perRow.get(schedule).isNaN() ? FineTuneSettings.scheduleMultiple(schedule) * perOneX : perRow.get(schedule);
            if (Double.isNaN(t)) {
                unknown.add("fine-tuning");
                break;
            }
            seconds += t;
        }
        // pretraining and frozen scores of the encoders no row has used yet, as measured for the same init in another regime
        Map<String, String> newEncoders = new LinkedHashMap<>();
        for (PlannedRun r : toRun) {
            String encoder = encoderName(r.key().get(INIT), r.key().get(REGIME));
            if (rows.stream().noneMatch(row -> encoderName(row.get(INIT), row.get(REGIME)).equals(encoder))) {
                newEncoders.put(encoder, r.key().get(INIT));
            }
        }
        for (Map.Entry<String, String> encoder : newEncoders.entrySet()) {
            List<ResultRow> sameInit = rows.stream().filter(row -> row.get(INIT).equals(encoder.getValue())).toList();
            double t = mean(sameInit, "pretrain_seconds") + mean(sameInit, "frozen_eval_seconds");
            if (Double.isNaN(t)) {
                unknown.add("encoder " + encoder.getKey());
            } else {
                seconds += t;
            }
        }
        return String.format(Locale.ROOT, "estimate for the %d rows to run: about %s%s (from the %d rows of this budget"
                + " measured so far)", toRun.size(), MarkdownTable.duration(seconds),
                unknown.isEmpty() ? "" : ", plus what is not measured yet: " + String.join(", ", unknown), rows.size());
    }

    private static double mean(List<ResultRow> rows, String column) {
        return Spread.of(rows.stream().map(r -> r.getDouble(column)).filter(v -> !v.isNaN()).toList()).mean();
    }

    private static String distinct(List<PlannedRun> plan, String column) {
        return plan.stream().map(r -> r.key().get(column)).distinct().collect(Collectors.joining(","));
    }

    private static boolean isRowOf(ResultRow row, PlannedRun run) {
        return row.matches(run.key()) && row.get(ExperimentDriver.SEED).equals(Long.toString(run.seed()));
    }

    /** The encoder a row fine-tunes: {@code random} (one for every regime) or {@code <init>-<regime>}. */
    static String encoderName(String init, String regime) {
        return init.equals("random") ? "random" : init + "-" + regime;
    }

    @Override
    public Map<String, String> runCustom(PlannedRun run, MocoConfig config, ExperimentData data, Budget budget, Path runDir,
            boolean progress, PrintStream out, PrintStream err) {
        String init = run.key().get(INIT);
        String regime = run.key().get(REGIME);
        boolean novel = !regime.equals(SAME);
        Path budgetDir = runDir.getParent();
        Path dataDir = budget.equals(Budget.TINY) ? tinyData(data, budgetDir.resolve("tiny-data")) : data.directory();
        Path encoderDir = budgetDir.resolve("encoders").resolve(encoderName(init, regime));
        String encoder = switch (init) {
            case "random" -> "random";
            case "moco" -> moco(config, novel ? data.pretrainingOn(pretrainingClasses, budget) : data, encoderDir, progress, err);
            default -> supervised(config, dataDir, novel, budget, encoderDir, progress, out);
        };
        double pretrainSeconds = init.equals("random") ? 0 : ExperimentRuns.readSeconds(encoderDir);
        Properties frozen = frozenScores(encoder, dataDir, budget, encoderDir, progress, out);

        List<String> fineTuning = new ArrayList<>(List.of("--init", encoder, "--data", dataDir.toString(),
                "--seed", Long.toString(run.seed()), "--schedule", run.key().get(SCHEDULE)));
        if (novel) {
            fineTuning.addAll(List.of("--canvas-classes", canvasClasses(data).toString()));
        }
        if (budget.equals(Budget.TINY)) {
            fineTuning.addAll(List.of("--train", "8", "--test", "4", "--epochs", "1", "--batch-size", "4"));
        }
        Path segmentDir = runDir.resolve("segment");
        List<String> segment = new ArrayList<>(List.of("transfer", "segment"));
        segment.addAll(fineTuning);
        segment.addAll(runDirectory(segmentDir));
        String miou = Commands.run(segment, Pattern.compile("mIoU: " + NUMBER), progress, out)[0];
        Path instancesDir = runDir.resolve("instances");
        List<String> instances = new ArrayList<>(List.of("transfer", "instances"));
        instances.addAll(fineTuning);
        instances.addAll(runDirectory(instancesDir));
        String[] ap = Commands.run(instances, List.of(
                Pattern.compile("box AP: " + NUMBER + " AP50: " + NUMBER + " AP75: " + NUMBER),
                Pattern.compile("mask AP: " + NUMBER + " AP50: " + NUMBER + " AP75: " + NUMBER)), progress, out);

        Map<String, String> row = new LinkedHashMap<>();
        row.put("status", "ok");
        row.put("linear_accuracy", frozen.getProperty("linear_accuracy"));
        row.put("knn_accuracy", frozen.getProperty("knn_accuracy"));
        row.put("miou", miou);
        row.put("ap", ap[0]);
        row.put("ap50", ap[1]);
        row.put("ap75", ap[2]);
        row.put("mask_ap", ap[3]);
        row.put("mask_ap50", ap[4]);
        row.put("mask_ap75", ap[5]);
        List<Map<String, Double>> segmentEpochs = EpochTable.read(segmentDir);
        List<Map<String, Double>> instancesEpochs = EpochTable.read(instancesDir);
        row.put("miou_curve", curve(segmentEpochs, SegmentationTask.MIOU));
        row.put("ap_curve", curve(instancesEpochs, InstanceSegmentationTask.BOX_AP));
        row.put("mask_ap_curve", curve(instancesEpochs, InstanceSegmentationTask.MASK_AP));
        row.put("pretrain_seconds", ResultRow.rounded(pretrainSeconds));
        row.put("frozen_eval_seconds", frozen.getProperty("seconds"));
        row.put("finetune_seconds", ResultRow.rounded(fineTuningSeconds(List.of(segmentEpochs, instancesEpochs))));
        return row;
    }

    /**
     * The test score after every epoch of a fine-tuning, from the rows of its {@code
     * metrics.csv} ({@link EpochTable#read}), as "steps:score" pairs separated by spaces
     * ("32:0.1234 64:0.1502").
     */
    static String curve(List<Map<String, Double>> epochs, String metric) {
        return epochs.stream()
                .map(r -> Math.round(r.getOrDefault(EpochTable.STEPS, Double.NaN)) + ":" + ResultRow.number(r.get(metric)))
                .collect(Collectors.joining(" "));
    }

    /**
     * The wall seconds of fine-tunings, training and test evaluation, summed over every epoch of
     * each run's {@code metrics.csv} rows (so over every sitting that trained it); NaN if a run
     * has no rows or an epoch does not say, as in runs written before the transfer commands
     * recorded it.
     */
    static double fineTuningSeconds(List<List<Map<String, Double>>> runs) {
        double seconds = 0;
        for (List<Map<String, Double>> epochs : runs) {
            if (epochs.isEmpty()) {
                return Double.NaN;
            }
            for (Map<String, Double> epoch : epochs) {
                seconds += epoch.getOrDefault(EpochTable.SECONDS, Double.NaN);
            }
        }
        return seconds;
    }

    /** The points of a {@link #curve}: steps and score. */
    static double[][] curvePoints(String curve) {
        List<String> points = curve.isBlank() ? List.of() : List.of(curve.trim().split(" +"));
        double[][] xy = new double[2][points.size()];
        for (int i = 0; i < points.size(); i++) {
            String[] p = points.get(i).split(":");
            xy[0][i] = Double.parseDouble(p[0]);
            xy[1][i] = p.length < 2 || p[1].isEmpty() ? Double.NaN : Double.parseDouble(p[1]);
        }
        return xy;
    }

    /** The MoCo encoder: pretrained with seed {@value #PRETRAINING_SEED} into {@code encoderDir}, or continued there. */
    private static String moco(MocoConfig config, ExperimentData data, Path encoderDir, boolean progress, PrintStream err) {
        MocoConfig pretraining = MocoConfig.builder(Map.of()).setAll(config)
                .set(MocoConfig.SEED, Long.toString(PRETRAINING_SEED)).build();
        ExperimentRuns.train(pretraining, data, encoderDir, setup -> List.of(), progress, err).run().close();
        ResidentMemory.releaseAfterRun();     // before the row's evaluations and fine-tunings
        return encoderDir.resolve(RunDirectory.CHECKPOINTS).resolve(CheckpointDirectory.LATEST).toString();
    }

    /** The supervised checkpoint, trained by {@code ./moco train-supervised} unless an earlier sitting left it. */
    private String supervised(MocoConfig config, Path dataDir, boolean novel, Budget budget, Path encoderDir, boolean progress,
            PrintStream out) {
        Path checkpoint = encoderDir.resolve(RunDirectory.MODEL);
        if (!Files.isRegularFile(checkpoint)) {
            long start = System.nanoTime();
            List<String> command = new ArrayList<>(List.of("train-supervised", "--data", dataDir.toString(), "--epochs",
                    Integer.toString(supervisedEpochs(budget)), "--batch-size", config.getString(MocoConfig.BATCH_SIZE),
                    "--seed", Long.toString(PRETRAINING_SEED)));
            if (novel) {
                command.addAll(List.of("--classes", joined(",")));
            }
            command.addAll(runDirectory(encoderDir));
            Commands.run(command, Pattern.compile("supervised train accuracy: " + NUMBER), progress, out);
            ExperimentRuns.writeSeconds(encoderDir, (System.nanoTime() - start) / 1e9);
        }
        return checkpoint.toString();
    }

    private static int supervisedEpochs(Budget budget) {
        return budget.pick(1, 1, budget.epochs());
    }

    /**
     * The linear probe's and kNN's top-1 of {@code encoder} on all ten classes, with the
     * seconds they took: measured once per encoder and kept in {@code encoderDir}, since they
     * depend on neither the fine-tuning seed nor the schedule.
     */
    private static Properties frozenScores(String encoder, Path dataDir, Budget budget, Path encoderDir, boolean progress,
            PrintStream out) {
        Path file = encoderDir.resolve(FROZEN_SCORES);
        Properties scores = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                scores.load(in);
                return scores;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        long start = System.nanoTime();
        List<String> linear = new ArrayList<>(List.of("eval", "linear", "--checkpoint", encoder, "--data", dataDir.toString()));
        if (budget.equals(Budget.TINY)) {
            linear.addAll(List.of("--set", "epochs=" + budget.linearEpochs(), "--set", "milestones=1"));
        }
        scores.setProperty("linear_accuracy", Commands.run(linear, Pattern.compile("linear top-1: " + NUMBER), progress, out)[0]);
        scores.setProperty("knn_accuracy", Commands.run(List.of("eval", "knn", "--checkpoint", encoder, "--data",
                dataDir.toString()), Pattern.compile("knn top-1: " + NUMBER), progress, out)[0]);
        scores.setProperty("seconds", ResultRow.rounded((System.nanoTime() - start) / 1e9));
        StringBuilder text = new StringBuilder("# eval linear and eval knn of " + encoder + "\n");
        new TreeMap<>(scores).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        try {
            Files.createDirectories(encoderDir);
            AtomicFile.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return scores;
    }

    /**
     * {@code --out dir}, with {@code --resume} when an earlier sitting left a checkpoint there (a
     * finished run is then only scored again), or {@code --overwrite} when it left a run without one.
     */
    private static List<String> runDirectory(Path dir) {
        if (Files.exists(dir.resolve(RunDirectory.CHECKPOINTS).resolve(CheckpointDirectory.LATEST))) {
            return List.of("--out", dir.toString(), "--resume");
        }
        return RunDirectory.runFiles(dir).isEmpty() ? List.of("--out", dir.toString())
                : List.of("--out", dir.toString(), "--overwrite");
    }

    /** Training and test images of the tiny budget's evaluations and transfers: a smoke test, not a measurement. */
    static final int TINY_TRAIN = 256;
    static final int TINY_TEST = 128;

    /**
     * The tiny budget's evaluation data: the first {@value #TINY_TRAIN} training and
     * {@value #TINY_TEST} test images of the experiment's data, written as IDX files, so that a
     * tiny run's kNN, linear probe, supervised training and canvases read a few hundred images
     * instead of the whole data set. Only grey images of one size can be written so; other data
     * is used whole.
     */
    static Path tinyData(ExperimentData data, Path dir) {
        if (data.train().channels() != 1 || data.test().channels() != 1) {
            return data.directory();
        }
        try {
            Files.createDirectories(dir);
            writeIdx(data.train(), Math.min(TINY_TRAIN, data.train().size()), dir, Split.TRAIN);
            writeIdx(data.test(), Math.min(TINY_TEST, data.test().size()), dir, Split.TEST);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tiny budget's data to " + dir, e);
        }
        return dir;
    }

    private static void writeIdx(ImageDataset images, int count, Path dir, Split split) throws IOException {
        int length = images.shape().length();
        float[] pixels = new float[length];
        byte[] bytes = new byte[count * length];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            images.readImage(i, pixels, 0);
            for (int p = 0; p < length; p++) {
                bytes[i * length + p] = (byte) Math.round(pixels[p] * 255f);
            }
            labels[i] = (byte) Math.max(0, images.label(i));
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(split.imagesFileName()))) {
            IdxFile.write(out, new int[] {count, images.height(), images.width()}, bytes);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(split.labelsFileName()))) {
            IdxFile.write(out, new int[] {count}, labels);
        }
    }

    /** The pretraining classes joined by {@code separator}: "0,1,2,3,4". */
    private String joined(String separator) {
        return Arrays.stream(pretrainingClasses).mapToObj(Integer::toString).collect(Collectors.joining(separator));
    }

    @Override
    public void report(List<ResultRow> rows, Budget budget, Path chart, Path table) {
        SeedGroups groups = SeedGroups.of(rows, keyColumns());
        List<String> regimesPresent = groups.values(REGIME);
        List<String> schedulesPresent = SCHEDULES.stream().filter(s -> groups.values(SCHEDULE).contains(s)).toList();
        if (!rows.isEmpty()) {
            List<java.awt.image.BufferedImage> panels = new ArrayList<>();
            for (String regime : regimesPresent) {
                for (String[] curve : CURVES) {
                    panels.add(ExperimentChart.panel(curvesPanel(groups, regime, curve[0], curve[1], budget)));
                }
            }
            ExperimentChart.write(chart, panels, CURVES.length);    // a row per regime
        }
        MarkdownTable t = new MarkdownTable(List.of("regime", "schedule", "initialisation", "linear top-1 %", "kNN top-1 %",
                "mIoU %", "box AP %", "box AP50 %", "box AP75 %", "mask AP %", "mask AP50 %", "mask AP75 %", "pretraining time"));
        List<String> verdicts = new ArrayList<>();
        for (String regime : regimesPresent) {
            for (String schedule : schedulesPresent) {
                for (String init : INITS) {
                    Map<String, String> key = key(init, regime, schedule);
                    List<ResultRow> seeds = groups.rows(key);
                    if (seeds.isEmpty()) {
                        continue;
                    }
                    List<String> cells = new ArrayList<>(List.of(regime, schedule, init,
                            perEncoder(seeds, "linear_accuracy", MarkdownTable::percent),
                            perEncoder(seeds, "knn_accuracy", MarkdownTable::percent)));
                    for (String[] metric : FINE_TUNED) {
                        cells.add(MarkdownTable.percent(groups.values(key, metric[0])));
                    }
                    cells.add(perEncoder(seeds, "pretrain_seconds", MarkdownTable::duration));
                    t.row(cells);
                }
                Map<String, String> moco = key("moco", regime, schedule);
                Map<String, String> supervised = key("supervised", regime, schedule);
                if (!groups.rows(moco).isEmpty() && !groups.rows(supervised).isEmpty()) {
                    for (String[] metric : FINE_TUNED) {
                        MeanDifference difference = MeanDifference.of(groups.spread(moco, metric[0]),
                                groups.spread(supervised, metric[0]));
                        verdicts.add("- " + regime + ", " + schedule + ", " + metric[1] + ": "
                                + difference.verdict("MoCo", "supervised"));
                    }
                }
            }
        }
        String regimeOption = regimesPresent.stream().map(r -> r.startsWith(NOVEL) ? NOVEL : r).distinct()
                .collect(Collectors.joining(","));
        List<String> notes = new ArrayList<>(List.of(
                "Command: `./moco experiment transfer --budget " + budget.id() + " --regime " + regimeOption + "`. "
                        + budget.describe(),
                "MoCo: the queue, K=" + queueSize(budget) + ". Supervised: `./moco train-supervised` for "
                        + supervisedEpochs(budget) + " epoch(s) over the whole training split. Regime same: pretraining and"
                        + " canvases use all ten classes. Regime novel: both pretrain only on the images of classes "
                        + joined(",")
                        + " and the canvases (training and test) hold only the other classes, with heads of those classes."
                        + " The random encoder is the same in both regimes.",
                "Linear top-1 and kNN top-1 (`./moco eval linear`, `./moco eval knn`) are on all ten classes in both regimes,"
                        + " one value per encoder: it does not depend on the fine-tuning seed or schedule.",
                "mIoU from `./moco transfer segment`, box AP and mask AP from one fine-tuning of `./moco transfer instances`"
                        + " (as Mask R-CNN's box and mask AP come from one model), with their defaults, the same for"
                        + " every initialisation; schedule 2x: twice the epochs, each learning-rate milestone twice as late"
                        + " (`--schedule 2x`). Mean ± sample standard deviation over the fine-tuning seeds (head initialisation"
                        + " and canvas order); the encoder of each (initialisation, regime) is pretrained once (seed "
                        + PRETRAINING_SEED + "). Where the rows of one line fine-tuned two pretrainings of that recipe (the"
                        + " encoder pretrained again on another machine, whose kernels round differently), the linear,"
                        + " kNN and pretraining-time cells give each pretraining's value, in row order."));
        List<String> plateau = plateauLines(groups, regimesPresent);
        if (!plateau.isEmpty()) {
            notes.add("");
            notes.add("Plateau of the 1x schedule: how far the mean over the seeds moved over its last third, from the first"
                    + " test evaluation at or after 2/3 of its steps to the last, in points (plateaued: every metric by less"
                    + " than " + (int) PLATEAU_POINTS + "):");
            notes.add("");
            notes.addAll(plateau);
        }
        List<String> gains = scheduleGainLines(groups, regimesPresent);
        if (!gains.isEmpty()) {
            notes.add("");
            notes.add("What the 2x schedule adds to the 1x, per regime and initialisation: the difference of the means over"
                    + " the seeds against two standard errors (a gain beyond them says the 1x schedule had not converged"
                    + " for that initialisation):");
            notes.add("");
            notes.addAll(gains);
        }
        if (!verdicts.isEmpty()) {
            notes.add("");
            notes.add("MoCo against supervised, per regime, schedule and metric: the difference of the means against two"
                    + " standard errors of the difference, sqrt(sd1²/n1 + sd2²/n2):");
            notes.add("");
            notes.addAll(verdicts);
        }
        if (!rows.isEmpty()) {
            notes.add("");
            notes.add(gridTime(rows));
        }
        t.write(table, "Transfer: random, supervised and MoCo initialisation (" + budget.id() + " budget)", notes);
    }

    /**
     * Per regime and initialisation with rows of both schedules, and per headline metric (mIoU,
     * box AP, mask AP): 2x − 1x of the means over the seeds, with its standard error.
     */
    static List<String> scheduleGainLines(SeedGroups groups, List<String> regimes) {
        List<String> lines = new ArrayList<>();
        for (String regime : regimes) {
            for (String init : INITS) {
                Map<String, String> once = key(init, regime, "1x");
                Map<String, String> twice = key(init, regime, "2x");
                if (groups.rows(once).isEmpty() || groups.rows(twice).isEmpty()) {
                    continue;
                }
                for (String[] metric : HEADLINE) {
                    MeanDifference gain = MeanDifference.of(groups.spread(twice, metric[0]), groups.spread(once, metric[0]));
                    lines.add("- " + regime + ", " + init + ", " + metric[1] + ": " + gain.verdict("2x", "1x"));
                }
            }
        }
        return lines;
    }

    /**
     * The grid's time as its rows recorded it: every row's fine-tuning, and each pretraining's
     * time with its frozen evaluation once (the rows of an encoder repeat them; an encoder
     * pretrained again, on another machine, counts again).
     */
    static String gridTime(List<ResultRow> rows) {
        double fineTuning = rows.stream().mapToDouble(r -> r.getDouble("finetune_seconds")).filter(Double::isFinite).sum();
        Map<String, Double> perEncoder = new LinkedHashMap<>();
        for (ResultRow r : rows) {
            double encoder = r.getDouble("pretrain_seconds") + r.getDouble("frozen_eval_seconds");
            if (Double.isFinite(encoder)) {
                perEncoder.putIfAbsent(pretraining(r), encoder);
            }
        }
        double encoders = perEncoder.values().stream().mapToDouble(Double::doubleValue).sum();
        return String.format(Locale.ROOT, "Grid time, as the %d row(s) recorded it: %.1f h of fine-tuning and %.1f h of"
                + " pretraining and frozen evaluation for %d encoder(s), %.1f h in all.", rows.size(), fineTuning / 3600,
                encoders / 3600, perEncoder.size(), (fineTuning + encoders) / 3600);
    }

    /**
     * Which pretraining a row fine-tuned: its encoder's name with the seconds its pretraining and
     * frozen evaluation took, which a second pretraining of the same recipe (on another machine)
     * does not repeat to the tenth of a second.
     */
    private static String pretraining(ResultRow row) {
        return encoderName(row.get(INIT), row.get(REGIME)) + " " + row.get("pretrain_seconds") + " "
                + row.get("frozen_eval_seconds");
    }

    /**
     * A per-encoder column of a line's rows, formatted: one value when they all fine-tuned one
     * pretraining, else each pretraining's, in row order ("77.6, 76.9").
     */
    static String perEncoder(List<ResultRow> seeds, String column, DoubleFunction<String> format) {
        Map<String, String> values = new LinkedHashMap<>();
        seeds.forEach(r -> values.putIfAbsent(pretraining(r), format.apply(r.getDouble(column))));
        return String.join(", ", values.values());
    }

    private static Map<String, String> key(String init, String regime, String schedule) {
        Map<String, String> key = new LinkedHashMap<>();
        key.put(INIT, init);
        key.put(REGIME, regime);
        key.put(SCHEDULE, schedule);
        return key;
    }

    /**
     * A metric against fine-tuning steps in one regime: a line per initialisation and schedule
     * (2× dashed), the mean over the seeds at each evaluated epoch, ± their standard deviation.
     */
    private static XYChart curvesPanel(SeedGroups groups, String regime, String column, String metric, Budget budget) {
        XYChart c = ExperimentChart.xy(metric + " while fine-tuning, regime " + regime + ", " + budget.id() + " budget",
                "fine-tuning steps", metric + " (%)");
        for (int i = 0; i < INITS.size(); i++) {
            for (String schedule : SCHEDULES) {
                MeanCurve curve = MeanCurve.of(groups.rows(key(INITS.get(i), regime, schedule)), column);
                if (curve.steps().length == 0) {
                    continue;
                }
                XYSeries series = ExperimentChart.line(c, INITS.get(i) + " " + schedule, curve.steps(),
                        percent(curve.mean()), curve.seeds() > 1 ? percent(curve.sd()) : null, i);
                if (!schedule.equals("1x")) {
                    series.setLineStyle(SeriesLines.DASH_DASH);
                }
            }
        }
        if (c.getSeriesMap().isEmpty()) {
            c.addSeries("no curves yet", new double[] {0}, new double[] {0});
        }
        return c;
    }

    private static double[] percent(double[] fractions) {
        return Arrays.stream(fractions).map(v -> 100 * v).toArray();
    }

    /**
     * The plateau check of the 1× schedule, per regime: for each initialisation and fine-tuned
     * curve, how far the mean over the seeds moved over the last third of the schedule (from the
     * first evaluation at or after 2/3 of its steps to the last), in points. A schedule has
     * plateaued for an initialisation when every metric moved by less than {@value #PLATEAU_POINTS} point.
     */
    static List<String> plateauLines(SeedGroups groups, List<String> regimes) {
        List<String> lines = new ArrayList<>();
        for (String regime : regimes) {
            for (String init : INITS) {
                List<ResultRow> seeds = groups.rows(key(init, regime, "1x"));
                List<String> moves = new ArrayList<>();
                boolean flat = true;
                for (String[] curve : CURVES) {
                    MeanCurve mean = MeanCurve.of(seeds, curve[0]);
                    double[] move = mean.lastThird();
                    if (move == null) {
                        continue;
                    }
                    flat &= Math.abs(move[2]) < PLATEAU_POINTS / 100.0;
                    moves.add(String.format(Locale.ROOT, "%s %+.1f (steps %.0f to %.0f)", curve[1], 100 * move[2], move[0],
                            move[1]));
                }
                if (!moves.isEmpty()) {
                    lines.add("- " + regime + ", " + init + " (" + seeds.size() + " seed" + (seeds.size() == 1 ? "" : "s") + "): "
                            + String.join(", ", moves) + (flat ? ": plateaued" : ": still moving"));
                }
            }
        }
        return lines;
    }

    /** A schedule has plateaued when its metrics move by less than this, in points, over its last third. */
    static final double PLATEAU_POINTS = 1.0;

    /** The mean over seeds of a {@link #curve} column at each evaluation (up to the shortest seed's), with the sd. */
    record MeanCurve(double[] steps, double[] mean, double[] sd, int seeds) {

        static MeanCurve of(List<ResultRow> rows, String column) {
            List<double[][]> seeds = rows.stream().map(r -> curvePoints(r.get(column))).filter(p -> p[0].length > 0).toList();
            int points = seeds.stream().mapToInt(p -> p[0].length).min().orElse(0);
            double[] x = seeds.isEmpty() ? new double[0] : Arrays.copyOf(seeds.get(0)[0], points);
            double[] y = new double[points];
            double[] sd = new double[points];
            for (int p = 0; p < points; p++) {
                int at = p;
                Spread s = Spread.of(seeds.stream().map(xy -> xy[1][at]).filter(v -> !v.isNaN()).toList());
                y[p] = s.mean();
                sd[p] = s.sd();
            }
            return new MeanCurve(x, y, sd, seeds.size());
        }

        /**
         * {from step, to step, change of the mean} over the last third: from the first evaluation
         * at or after 2/3 of the last one's steps to the last; null with fewer than two evaluations.
         */
        double[] lastThird() {
            int last = steps.length - 1;
            if (last < 1) {
                return null;
            }
            int from = 0;
            while (from < last && steps[from] < 2.0 / 3.0 * steps[last]) {
                from++;
            }
            if (from == last) {
                from = last - 1;
            }
            return new double[] {steps[from], steps[last], mean[last] - mean[from]};
        }
    }
}
