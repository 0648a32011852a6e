package dev.moco.spark;

import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.ConfigurationLayers;
import dev.moco.core.run.DistributedPretraining;
import dev.moco.core.run.DistributedPretrainingResult;
import dev.moco.core.run.PretrainingSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main class of moco-spark's jar for {@code spark-submit}: a distributed pretraining with
 * the settings of {@code ./moco pretrain}, on the master spark-submit was given. The last line
 * printed is {@code checkpoint: <file>}.
 *
 * <pre>
 * spark-submit --master spark://host:7077 --class dev.moco.spark.SparkPretrainCommand moco-spark-0.1.0-SNAPSHOT-all.jar \
 *     --workers 4 --data /shared/fashion-mnist --checkpoints /shared/runs/v2 --epochs 20 --set batch.size=256
 * </pre>
 */
@Command(name = "moco-spark-pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Pretrains with MoCo on W Spark workers (one barrier stage, XGBoost4J's ring all-reduce).",
        footer = {"", "Worker 0 writes the checkpoints and prints a line per epoch (and with --log-every per step) to its"
            + " executor's standard output.",
            "The last line printed is 'checkpoint: <file>'."})
public final class SparkPretrainCommand implements Callable<Integer> {

    @Option(names = "--workers", required = true, paramLabel = "W", description = "Workers: W tasks of one barrier stage.")
    int workers;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master when spark-submit gave none (default: local[W]).")
    String master;

    @Option(names = "--max-restarts", paramLabel = "R", description = "Restarts from the newest checkpoint after a failure"
            + " (default: " + DistributedPretraining.DEFAULT_MAX_RESTARTS + ").")
    int maxRestarts = DistributedPretraining.DEFAULT_MAX_RESTARTS;

    @Option(names = "--preset", paramLabel = "NAME", description = "Configuration preset: moco-v1 or moco-v2 (default: moco-v2).")
    String preset;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of settings, applied over the preset.")
    Path configFile;

    @Option(names = "--dictionary", paramLabel = "NAME", description = "Dictionary mechanism: queue, memory-bank or end-to-end.")
    String dictionary;

    @Option(names = "--epochs", paramLabel = "N", description = "Number of epochs (sets 'epochs').")
    Integer epochs;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides a configuration key (repeatable).")
    List<String> settings = new ArrayList<>();

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "IDX files or an image folder, at a path every worker can read.")
    Path data;

    @Option(names = "--split", defaultValue = "train", paramLabel = "SPLIT", description = "train or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--channels", defaultValue = "0", paramLabel = "C",
            description = "Convert an image folder to 1 or 3 channels (default: its own).")
    int channels;

    @Option(names = "--checkpoints", required = true, paramLabel = "DIR",
            description = "Where worker 0 writes checkpoints; the driver and every worker must reach it.")
    Path checkpoints;

    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "STEPS",
            description = "Also checkpoint every STEPS steps (default: epoch ends only).")
    long checkpointEvery;

    @Option(names = "--keep-checkpoints", defaultValue = "2", paramLabel = "N", description = "Epoch checkpoints kept (default: ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--log-every", defaultValue = "0", paramLabel = "STEPS",
            description = "Worker 0 also prints 'step S/T: loss L, M ms' every STEPS steps (default: epoch lines only).")
    long logEvery;

    @Option(names = "--resume", paramLabel = "PATH", description = "Continue from a checkpoint (or a directory with latest.zip); its configuration is used.")
    Path resume;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new SparkPretrainCommand());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {   // the message says what is wrong; the trace only with MOCO_DEBUG
            line.getErr().println(line.getCommandName() + ": error: " + e.getMessage());
            if (System.getenv("MOCO_DEBUG") != null) {
                e.printStackTrace(line.getErr());
            }
            return 1;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() {
        MocoConfig config = new ConfigurationLayers(preset, resume == null ? null : CheckpointDirectory.load(resume), configFile,
                dictionary, epochs, settings).build();
        PretrainingSpec spec = PretrainingSpec.of(config, data).withImages(split, channels, 0)
                .withCheckpoints(checkpoints, keepCheckpoints, checkpointEvery);
        if (resume != null) {
            spec = spec.withResumeFrom(resume);
        }
        String submitted = System.getProperty("spark.master");
        List<WorkerStepListener> listeners = logEvery == 0 ? List.of()
                : List.of(new StepLog(logEvery, config.getInt(MocoConfig.EPOCHS)));
        DistributedPretrainingResult result = SparkPretraining.runOn(submitted != null ? null : master != null ? master
                : "local[" + workers + "]", workers, maxRestarts, spec, listeners, System.out);
        System.out.printf(Locale.ROOT, "trained to epoch %d, global step %d, on %d workers after %d restarts%n",
                result.end().epoch(), result.end().globalStep(), result.workers(), result.restarts());
        System.out.println("checkpoint: " + result.lastCheckpoint().map(Path::toString).orElse("none"));
        return 0;
    }
}
