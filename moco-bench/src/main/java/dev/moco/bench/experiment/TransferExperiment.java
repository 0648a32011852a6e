package dev.moco.bench.experiment;

import dev.moco.bench.cli.RunDirectory;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.IdxFile;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.Split;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.knowm.xchart.CategoryChart;

/**
 * {@code moco experiment transfer}: random, supervised and MoCo initialisation of the same
 * ResNet-20, scored by the downstream commands (He et al. 2020, Sec. 4.2): {@code ./moco eval
 * linear} and {@code ./moco eval knn} on frozen features, and {@code ./moco transfer segment}
 * (mIoU) and {@code ./moco transfer detect} (COCO AP, AP50, AP75) fine-tuned on the canvases
 * generated from Fashion-MNIST, each with its own defaults: the same schedule and budget for
 * every initialisation. The MoCo encoder is pretrained with the queue (K=4096) at the budget;
 * the supervised one by {@code ./moco train-supervised} for the budget's epochs over the whole
 * training split (the command takes no subset, so on the small budget it sees more images
 * than MoCo). On the tiny budget, a smoke test, every command reads the first
 * {@value #TINY_TRAIN} training and {@value #TINY_TEST} test images instead ({@link #tinyData}).
 */
final class TransferExperiment implements Experiment {

    static final String INIT = "init";
    static final List<String> INITS = List.of("random", "supervised", "moco");
    static final List<String> COLUMNS = List.of("status", "linear_accuracy", "knn_accuracy", "miou", "ap", "ap50", "ap75",
            "train_seconds", "eval_seconds");
    private static final String NUMBER = "([-0-9.eE]+|NaN)";

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
    public List<String> valueColumns() {
        return COLUMNS;
    }

    @Override
    public List<PlannedRun> plan(Budget budget, ExperimentData data, MocoConfig base, DictionaryRegistry registry,
            PrintStream notes) {
        Map<String, String> moco = new LinkedHashMap<>();
        moco.put(MocoConfig.DICTIONARY, "queue");
        moco.put(DictionarySettings.negatives(DictionarySettings.QUEUE), Integer.toString(queueSize(budget)));
        List<PlannedRun> runs = new ArrayList<>();
        for (String init : INITS) {
            runs.add(new PlannedRun(Map.of(INIT, init), 0, init.equals("moco") ? moco : Map.of(), PlannedRun.Kind.CUSTOM));
        }
        return runs;
    }

    @Override
    public Map<String, String> runCustom(PlannedRun run, MocoConfig config, ExperimentData data, Budget budget, Path runDir,
            boolean progress, PrintStream out, PrintStream err) {
        String init = run.key().get(INIT);
        String encoder = switch (init) {
            case "random" -> "random";
            case "moco" -> {
                ExperimentRuns.train(config, data, runDir, setup -> List.of(), progress, err).run().close();
                yield runDir.resolve("checkpoints").resolve("latest.zip").toString();
            }
            default -> supervised(config, data, budget, runDir, out);
        };
        // over every sitting: a pretraining finished in an earlier one is reused, not timed again
        double trainSeconds = init.equals("random") ? 0 : ExperimentRuns.readSeconds(runDir);
        long evalStart = System.nanoTime();
        String dataDir = budget.equals(Budget.TINY) ? tinyData(data, runDir.resolve("tiny-data")).toString()
                : data.directory().toString();
        List<String> linear = new ArrayList<>(List.of("eval", "linear", "--checkpoint", encoder, "--data", dataDir));
        if (budget.equals(Budget.TINY)) {
            linear.addAll(List.of("--set", "epochs=" + budget.linearEpochs(), "--set", "milestones=1"));
        }
        String linearTop1 = Commands.run(linear, Pattern.compile("linear top-1: " + NUMBER), out)[0];
        String knnTop1 = Commands.run(List.of("eval", "knn", "--checkpoint", encoder, "--data", dataDir),
                Pattern.compile("knn top-1: " + NUMBER), out)[0];
        List<String> canvases = budget.equals(Budget.TINY)
                ? List.of("--train", "8", "--test", "4", "--epochs", "1", "--batch-size", "4") : List.of();
        List<String> segment = new ArrayList<>(List.of("transfer", "segment", "--init", encoder, "--data", dataDir));
        segment.addAll(runDirectory(runDir.resolve("segment")));
        segment.addAll(canvases);
        String miou = Commands.run(segment, Pattern.compile("mIoU: " + NUMBER), out)[0];
        List<String> detect = new ArrayList<>(List.of("transfer", "detect", "--init", encoder, "--data", dataDir));
        detect.addAll(runDirectory(runDir.resolve("detect")));
        detect.addAll(canvases);
        String[] ap = Commands.run(detect, Pattern.compile("AP: " + NUMBER + " AP50: " + NUMBER + " AP75: " + NUMBER), out);
        Map<String, String> row = new LinkedHashMap<>();
        row.put("status", "ok");
        row.put("linear_accuracy", linearTop1);
        row.put("knn_accuracy", knnTop1);
        row.put("miou", miou);
        row.put("ap", ap[0]);
        row.put("ap50", ap[1]);
        row.put("ap75", ap[2]);
        row.put("train_seconds", ResultRow.rounded(trainSeconds));
        row.put("eval_seconds", ResultRow.rounded((System.nanoTime() - evalStart) / 1e9));
        return row;
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

    /** The supervised checkpoint, trained by {@code ./moco train-supervised} unless an earlier sitting left it. */
    private static String supervised(MocoConfig config, ExperimentData data, Budget budget, Path runDir, PrintStream out) {
        Path checkpoint = runDir.resolve("latest.zip");
        if (!Files.isRegularFile(checkpoint)) {
            long start = System.nanoTime();
            Path trainOn = budget.equals(Budget.TINY) ? tinyData(data, runDir.resolve("tiny-data")) : data.directory();
            List<String> command = new ArrayList<>(List.of("train-supervised", "--data", trainOn.toString(), "--epochs",
                    Integer.toString(budget.pick(1, 1, budget.epochs())), "--batch-size", config.getString(MocoConfig.BATCH_SIZE)));
            command.addAll(runDirectory(runDir));
            Commands.run(command, Pattern.compile("supervised train accuracy: " + NUMBER), out);
            ExperimentRuns.writeSeconds(runDir, (System.nanoTime() - start) / 1e9);
        }
        return checkpoint.toString();
    }

    /** One bar per initialisation for each {@code {column, label}} metric, in percent (0 where it is missing). */
    private static CategoryChart metricsPanel(String title, SeedGroups groups, List<String> inits, String[][] metrics) {
        CategoryChart c = ExperimentChart.category(title, "initialisation", "score (%)");
        for (String[] metric : metrics) {
            c.addSeries(metric[1], inits, groups.percentMeans(INIT, inits, metric[0]));
        }
        return c;
    }

    @Override
    public void report(List<ResultRow> rows, Budget budget, Path chart, Path table) {
        SeedGroups groups = SeedGroups.of(rows, keyColumns());
        List<String> present = INITS.stream().filter(i -> !groups.rows(Map.of(INIT, i)).isEmpty()).toList();
        if (!present.isEmpty()) {
            // two panels: the classification metrics near 70-90% would flatten AP's few percent on one axis
            CategoryChart features = metricsPanel("linear probe and kNN, " + budget.id() + " budget", groups, present,
                    new String[][] {{"linear_accuracy", "linear top-1"}, {"knn_accuracy", "kNN top-1"}});
            features.getStyler().setYAxisMin(0.0);
            features.getStyler().setYAxisMax(100.0);
            CategoryChart transfer = metricsPanel("fine-tuned transfer, " + budget.id() + " budget", groups, present,
                    new String[][] {{"miou", "mIoU"}, {"ap", "AP"}, {"ap50", "AP50"}, {"ap75", "AP75"}});
            transfer.getStyler().setYAxisMin(0.0);
            // colours continue from the first panel's, so that no colour names two metrics
            transfer.getStyler().setSeriesColors(Arrays.copyOfRange(ExperimentChart.COLORS, 2, ExperimentChart.COLORS.length));
            ExperimentChart.write(chart, List.of(ExperimentChart.panel(features), ExperimentChart.panel(transfer)));
        }
        MarkdownTable t = new MarkdownTable(List.of("initialisation", "linear top-1 %", "kNN top-1 %", "mIoU %", "AP %",
                "AP50 %", "AP75 %", "pretraining time"));
        for (String init : present) {
            ResultRow r = groups.rows(Map.of(INIT, init)).get(0);
            t.row(List.of(init, MarkdownTable.percent(r.getDouble("linear_accuracy")), MarkdownTable.percent(r.getDouble("knn_accuracy")),
                    MarkdownTable.percent(r.getDouble("miou")), MarkdownTable.percent(r.getDouble("ap")),
                    MarkdownTable.percent(r.getDouble("ap50")), MarkdownTable.percent(r.getDouble("ap75")),
                    MarkdownTable.duration(r.getDouble("train_seconds"))));
        }
        t.write(table, "Transfer: random, supervised and MoCo initialisation (" + budget.id() + " budget)", List.of(
                "Command: `./moco experiment transfer --budget " + budget.id() + "`. " + budget.describe(),
                "MoCo: the queue, K=" + queueSize(budget) + ". Supervised: `./moco train-supervised` for "
                        + budget.pick(1, 1, budget.epochs()) + " epoch(s) over the whole training split. Scores from"
                        + " `./moco eval linear`, `./moco eval knn`, `./moco transfer segment` and `./moco transfer detect`"
                        + " with their defaults, the same for every initialisation."));
    }
}
