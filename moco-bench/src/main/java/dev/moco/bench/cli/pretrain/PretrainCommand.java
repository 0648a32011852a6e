package dev.moco.bench.cli.pretrain;

import dev.moco.bench.cli.ChannelsOption;
import dev.moco.bench.cli.ClassesOption;
import dev.moco.bench.cli.ProgressOption;
import dev.moco.bench.cli.RunDirectory;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.StoredCheckpoint;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.run.ConfigurationLayers;
import dev.moco.core.run.DistributedPretraining;
import dev.moco.core.run.TrainingImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code moco pretrain}: self-supervised pretraining on a data set directory, with a kNN
 * monitor on held-out images, checkpoints, a metrics CSV and a chart. The last line of
 * standard output is {@code final knn-accuracy: 0.xxxx} ({@code NaN} with
 * {@code --held-out 0}).
 *
 * <pre>
 * ./moco pretrain --preset moco-v2 --dictionary queue --data /usr/share/datasets/fashion-mnist \
 *     --epochs 20 --out runs/v2 --set queue.size=4096 --checkpoint-every 100
 * ./moco pretrain --resume runs/v2 --data /usr/share/datasets/fashion-mnist
 * ./moco pretrain --spark local[2] --workers 2 --data /usr/share/datasets/fashion-mnist --out runs/v2-spark
 * </pre>
 *
 * <p>With {@code --spark}, the run is handed to the distributed engine that moco-spark registers
 * ({@link DistributedPretraining}); this process keeps the run directory and the kNN monitor of
 * the last checkpoint ({@link MonitoredPretraining#runDistributed}).
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrains an encoder with MoCo (or the memory-bank / end-to-end baselines) on a data set.",
        footer = {"", "Writes <out>/config.properties, metrics.csv, training.png and checkpoints/",
            "(latest.zip, checkpoint-epoch-NNN.zip). The last line printed is",
            "'final knn-accuracy: <value>' (NaN with --held-out 0)."},
        sortOptions = false)
public final class PretrainCommand implements Callable<Integer> {

    @Option(names = "--preset", paramLabel = "NAME", description = "Configuration preset: moco-v1 or moco-v2 (default: moco-v2).")
    String preset;

    @Option(names = "--dictionary", paramLabel = "NAME", description = "Dictionary mechanism: queue, memory-bank or end-to-end.")
    String dictionary;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Directory of IDX files (train-images-idx3-ubyte[.gz], ...) or an image folder (<class>/*.png).")
    Path data;

    @Option(names = "--split", defaultValue = "train", paramLabel = "SPLIT", description = "Which split to train on: train or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--epochs", paramLabel = "N", description = "Number of epochs (sets 'epochs').")
    Integer epochs;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default with --resume: the resumed run's).")
    Path out;

    @Option(names = "--overwrite",
            description = "Start a new run in an --out that holds another run, deleting that run's files first (without it, such a run is refused).")
    boolean overwrite;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides a configuration key, e.g. --set queue.size=4096 (repeatable).")
    List<String> settings = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings, applied over the preset.")
    Path configFile;

    @Option(names = "--resume", paramLabel = "PATH",
            description = "Continue a run: its directory, its checkpoints/ directory, or a checkpoint .zip. Its configuration is used.")
    Path resume;

    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "STEPS",
            description = "Also checkpoint every STEPS steps (default: epoch ends only).")
    long checkpointEvery;

    @Option(names = "--keep-checkpoints", defaultValue = "2", paramLabel = "N",
            description = "Epoch checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--held-out", paramLabel = "N",
            description = "Training images held out for the kNN monitor (default: 10%% of the data, at most 2000; 0: no monitor).")
    Integer heldOut;

    @Option(names = "--knn-bank", defaultValue = "10000", paramLabel = "N",
            description = "At most N training images form the kNN memory bank (default: ${DEFAULT-VALUE}).")
    int knnBank;

    @Option(names = "--knn-k", defaultValue = "200", paramLabel = "K", description = "Neighbours of the kNN monitor (default: ${DEFAULT-VALUE}).")
    int knnK;

    @Option(names = "--knn-temperature", defaultValue = "0.1", paramLabel = "T",
            description = "Vote temperature of the kNN monitor (default: ${DEFAULT-VALUE}).")
    double knnTemperature;

    @Mixin
    ProgressOption progress;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Pretrain on --workers Spark workers: local[W], or spark://host:port with --data and --out on a file"
                    + " system every worker reads (needs moco-spark and Spark; ./moco adds them). See docs/distributed.md.")
    String sparkMaster;

    @Option(names = "--workers", paramLabel = "W",
            description = "With --spark: W workers, each taking batch.size / W images of every batch.")
    Integer workers;

    @Option(names = "--max-restarts", paramLabel = "R", description = "With --spark: restarts from the newest checkpoint after"
            + " a worker failed (default: " + DistributedPretraining.DEFAULT_MAX_RESTARTS + ").")
    Integer maxRestarts;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ChannelsOption channels;

    @Mixin
    ClassesOption classSelection;

    @Override
    public Integer call() throws Exception {
        validateOptions();
        DistributedPretraining engine = sparkMaster == null ? null : sparkEngine();
        StoredCheckpoint checkpoint = null;
        if (resume != null) {
            checkpoint = CheckpointDirectory.open(resume);
            if (preset != null) {
                spec.commandLine().getErr().println("note: --preset is ignored with --resume; the checkpoint's configuration is used");
            }
        }
        MocoConfig config = new ConfigurationLayers(preset, checkpoint == null ? null : checkpoint.checkpoint(), configFile,
                dictionary, epochs, settings).build();

        RunDirectory.requireWritable("--out", out != null ? out : RunDirectory.of(resume));    // before any work
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + " is not a directory");
        }
        TrainingImages images = TrainingImages.open(data, split, config.getInt(MocoConfig.IMAGE_SIZE), channels.channels());
        ImageDataset dataset = classSelection.select(images.dataset(), images);
        int held = heldOut != null ? heldOut : Math.min(2_000, dataset.size() / 10);
        if (held >= dataset.size()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--held-out " + held + " leaves no training images: "
                    + data + " has " + dataset.size());
        }
        Path runDir = out != null ? out : RunDirectory.of(resume);
        String title = String.format(Locale.ROOT, "MoCo pretraining: %s dictionary, %s", config.getString(MocoConfig.DICTIONARY),
                data.getFileName());
        MonitoredPretraining monitored = new MonitoredPretraining(new MonitoredPretraining.Options(config, dataset,
                classSelection.describe(images), held, knnBank, knnK, knnTemperature, runDir, overwrite, checkpoint,
                checkpointEvery, keepCheckpoints, progress.shown(), title));
        MonitoredPretraining.Result result = engine == null ? monitored.run(System.out, System.err)
                : monitored.runDistributed(engine, new MonitoredPretraining.Cluster(sparkMaster, workers,
                        maxRestarts != null ? maxRestarts : DistributedPretraining.DEFAULT_MAX_RESTARTS, data, split,
                        channels.channels()), System.out, System.err);
        System.out.printf(Locale.ROOT, "final knn-accuracy: %.4f%n", result.finalKnn());
        return 0;
    }

    /** The Spark engine, or a message saying how to get it: moco-spark and Spark are not in moco-bench's jar. */
    private DistributedPretraining sparkEngine() {
        try {
            return DistributedPretraining.named("spark");
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("--spark: " + e.getMessage() + ". ./moco puts both on the class path when"
                    + " moco-spark is built (mvn -B -pl moco-spark -am install)", e);
        }
    }

    /** Checks the options on their own, by the names the user typed, before anything is read or written. */
    private void validateOptions() {
        List<String> problems = new ArrayList<>();
        if (resume == null && out == null) {
            problems.add("Missing required option: '--out=DIR' (or --resume)");
        }
        if (epochs != null && epochs < 1) {
            problems.add("--epochs must be at least 1, got " + epochs);
        }
        if (checkpointEvery < 0) {
            problems.add("--checkpoint-every must be 0 (epoch ends only) or a number of steps, got " + checkpointEvery);
        }
        if (keepCheckpoints < 1) {
            problems.add("--keep-checkpoints must be at least 1, got " + keepCheckpoints);
        }
        if (heldOut != null && heldOut < 0) {
            problems.add("--held-out must be 0 (no kNN monitor) or more, got " + heldOut);
        }
        if (knnBank < 1) {
            problems.add("--knn-bank must be at least 1 image, got " + knnBank + " (--held-out 0 turns the kNN monitor off)");
        }
        if (knnK < 1) {
            problems.add("--knn-k must be at least 1, got " + knnK);
        }
        if (!(knnTemperature > 0) || Double.isInfinite(knnTemperature)) {
            problems.add("--knn-temperature must be a positive number, got " + knnTemperature);
        }
        if (sparkMaster == null && (workers != null || maxRestarts != null)) {
            problems.add((workers != null ? "--workers" : "--max-restarts") + " needs --spark <master>, e.g. --spark local[2]");
        }
        if (sparkMaster != null && workers == null) {
            problems.add("--spark needs --workers <W>, the number of workers");
        } else if (workers != null && workers < 1) {
            problems.add("--workers must be at least 1, got " + workers);
        }
        if (sparkMaster != null && classSelection.chosen()) {
            // the workers read --data themselves (PretrainingSpec), which holds no class selection
            problems.add("--classes is not supported with --spark: the workers read every image of --data; pretrain on"
                    + " the classes in one process, or give --spark a directory of those classes only");
        }
        if (maxRestarts != null && maxRestarts < 0) {
            problems.add("--max-restarts must be 0 or more, got " + maxRestarts);
        }
        if (configFile != null && Files.isDirectory(configFile)) {
            problems.add("--config " + configFile + " is a directory, not a properties file");
        } else if (configFile != null && !Files.isRegularFile(configFile)) {
            problems.add("--config " + configFile + " does not exist");
        }
        if (!problems.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), String.join("\n", problems));
        }
    }
}
