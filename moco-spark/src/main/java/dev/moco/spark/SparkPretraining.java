package dev.moco.spark;

import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.StoredCheckpoint;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.DistributedPretraining;
import dev.moco.core.run.DistributedPretrainingResult;
import dev.moco.core.run.PretrainingSpec;
import dev.moco.core.wiring.DictionaryRegistry;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Data-parallel MoCo pretraining on Apache Spark: W workers, each a replica of the run that
 * {@link dev.moco.core.run.Pretraining} builds from the same settings, trained on N/W of every
 * batch with gradients, keys and BN statistics summed over XGBoost4J's ring all-reduce. Spark
 * only schedules: one barrier stage of W tasks that live for the whole run. Worker 0 writes the
 * checkpoints (the format of a single-process run, which {@code ./moco pretrain --resume} and
 * {@link dev.moco.core.run.PretrainedEncoder} read).
 *
 * <pre>{@code
 * DistributedPretrainingResult result = SparkPretraining.on(sparkContext)
 *         .workers(2)
 *         .preset("moco-v2").encoder("resnet20").set("batch.size", "64").epochs(2).seed(7)
 *         .data(Path.of("/usr/share/datasets/fashion-mnist"))     // every worker reads this path
 *         .checkpoints(Path.of("/shared/runs/v2/checkpoints"))    // and this one
 *         .maxRestarts(3)
 *         .run();
 * }</pre>
 *
 * <p><b>Data.</b> A directory every worker reads ({@link Builder#data(Path)}), or a DataFrame of
 * the {@code binaryFile} or {@code image} data source ({@link Builder#data(Dataset)}), which one
 * Spark job first writes as an image folder under the checkpoint directory.
 *
 * <p><b>Failures.</b> Spark aborts a barrier result stage when one of its tasks fails; it does
 * not retry it. The driver then starts a new stage, with a new tracker, whose workers resume
 * from the newest checkpoint, at most {@code maxRestarts} times, and prints
 * {@code resumed from <checkpoint> at step S after a failure (restart r of R)}. A run the
 * workers refuse (a setting, the data, the memory) is not restarted: the worker's message is
 * the error.
 */
public final class SparkPretraining {

    /** How Spark's failure message carries a {@link RunRefusedException}: its class name, its message, its stack. */
    private static final Pattern REFUSAL = Pattern.compile(Pattern.quote(RunRefusedException.class.getName())
            + ": (.*?)(?:\\n\\s+at |$)", Pattern.DOTALL);

    /**
     * The line of a failed task's reason: an exception's class name first, as a stack trace's first line,
     * or Spark's {@code ExecutorLostFailure (...) Reason: ...} when the task's executor died.
     */
    private static final Pattern EXCEPTION_LINE = Pattern.compile("[\\w$.]+(Exception|Error)(: .*)?|ExecutorLostFailure .*");

    private SparkPretraining() {
    }

    /**
     * @param context the Spark context whose executors run the workers
     * @return a builder of a run on it
     */
    public static Builder on(JavaSparkContext context) {
        return new Builder(Objects.requireNonNull(context, "context"));
    }

    /**
     * @param context the Spark context (a {@code SparkSession}'s {@code sparkContext()})
     * @return a builder of a run on it
     */
    public static Builder on(SparkContext context) {
        return on(JavaSparkContext.fromSparkContext(context));
    }

    /** The settings of a distributed run: those of {@link dev.moco.core.run.Pretraining.Builder}, W and the restarts. */
    public static final class Builder {
        private final JavaSparkContext context;
        private final MocoConfig.Builder config = MocoConfig.builder(DictionaryRegistry.discover().settings());
        private final List<WorkerStepListener> listeners = new ArrayList<>();
        private PretrainingSpec spec;
        private int workers;
        private int maxRestarts = DistributedPretraining.DEFAULT_MAX_RESTARTS;
        private Path data;
        private Dataset<Row> dataFrame;
        private String split = "train";
        private int channels;
        private Path checkpoints;
        private int keepCheckpoints = 2;
        private long checkpointEverySteps;
        private Path resume;
        private PrintStream log = System.out;

        private Builder(JavaSparkContext context) {
            this.context = context;
        }

        /**
         * @param w W, the workers: Spark must have W task slots free at once
         * @return this builder
         */
        public Builder workers(int w) {
            this.workers = w;
            return this;
        }

        /**
         * @param restarts how many times a failed run is started again from its newest checkpoint
         *     (default {@value DistributedPretraining#DEFAULT_MAX_RESTARTS})
         * @return this builder
         */
        public Builder maxRestarts(int restarts) {
            if (restarts < 0) {
                throw new IllegalArgumentException("the restarts after a failure must be 0 or more, got " + restarts);
            }
            this.maxRestarts = restarts;
            return this;
        }

        /**
         * @param name {@code moco-v1} or {@code moco-v2}, as {@link dev.moco.core.run.Pretraining#preset}
         * @return this builder
         */
        public Builder preset(String name) {
            config.preset(name);
            return this;
        }

        /**
         * @param validated a whole configuration, e.g. a checkpoint's
         * @return this builder
         */
        public Builder configuration(MocoConfig validated) {
            config.setAll(validated);
            return this;
        }

        /**
         * @param key a configuration key of moco-core or of an installed dictionary
         * @param value its value
         * @return this builder
         */
        public Builder set(String key, String value) {
            config.set(key, value);
            return this;
        }

        /**
         * @param name an installed dictionary: {@code queue}, {@code memory-bank}, {@code end-to-end}
         * @return this builder
         */
        public Builder dictionary(String name) {
            return set(MocoConfig.DICTIONARY, name);
        }

        /**
         * @param architecture an encoder of moco-encoders' catalogue, e.g. {@code resnet20}, {@code resnet50}
         * @return this builder
         */
        public Builder encoder(String architecture) {
            return set(MocoConfig.ENCODER, architecture);
        }

        /**
         * @param seed the seed every random choice of the run derives from
         * @return this builder
         */
        public Builder seed(long seed) {
            return set(MocoConfig.SEED, Long.toString(seed));
        }

        /**
         * @param epochs how many epochs to train
         * @return this builder
         */
        public Builder epochs(int epochs) {
            return set(MocoConfig.EPOCHS, Integer.toString(epochs));
        }

        /**
         * @param directory IDX files or an image folder, at a path every worker can read
         * @return this builder
         */
        public Builder data(Path directory) {
            this.data = Objects.requireNonNull(directory, "directory");
            this.dataFrame = null;
            return this;
        }

        /**
         * Pretrains on a DataFrame of images, with the images' own channels: see {@link #data(Dataset, int)}.
         *
         * @param images a DataFrame of the {@code binaryFile} or the {@code image} data source
         * @return this builder
         */
        public Builder data(Dataset<Row> images) {
            return data(images, 0);
        }

        /**
         * Pretrains on a DataFrame of images: the {@code binaryFile} data source's (columns
         * {@code path}, {@code content}) or the {@code image} data source's (column {@code image}).
         * Before the workers start, one Spark job decodes every image on its executor and writes
         * it, as PNG, into {@code dataframe-images/images/} under the {@link #checkpoints
         * checkpoint directory}, in the order of the images' paths; the workers read that folder
         * as they read a directory of the same images (all of one class). An image that cannot be
         * decoded stops the run, naming its path.
         *
         * @param images a DataFrame of the {@code binaryFile} or the {@code image} data source
         * @param newChannels 1 or 3 to convert the images to, 0 for their own (1 if every image is grey)
         * @return this builder
         */
        public Builder data(Dataset<Row> images, int newChannels) {
            this.dataFrame = Objects.requireNonNull(images, "images");
            this.data = null;
            this.split = "train";
            this.channels = newChannels;
            return this;
        }

        /**
         * @param directory IDX files or an image folder, at a path every worker can read
         * @param newSplit {@code train} or {@code test}
         * @param newChannels 1 or 3 to convert an image folder to, 0 for its own
         * @return this builder
         */
        public Builder data(Path directory, String newSplit, int newChannels) {
            this.split = newSplit;
            this.channels = newChannels;
            return data(directory);
        }

        /**
         * Worker 0 writes a checkpoint after every epoch into {@code directory}, which the
         * driver and every worker must reach (a shared file system): a restart resumes from it.
         *
         * @param directory where the checkpoints go
         * @return this builder
         */
        public Builder checkpoints(Path directory) {
            return checkpoints(directory, 2, 0);
        }

        /**
         * @param directory where the checkpoints go
         * @param keep epoch checkpoints kept
         * @param everySteps also checkpoint every this many steps (0: epoch ends only): what a restart loses at most
         * @return this builder
         */
        public Builder checkpoints(Path directory, int keep, long everySteps) {
            this.checkpoints = Objects.requireNonNull(directory, "directory");
            this.keepCheckpoints = keep;
            this.checkpointEverySteps = everySteps;
            return this;
        }

        /**
         * @param checkpoint a checkpoint file, or a directory holding {@code latest.zip}, to continue
         * @return this builder
         */
        public Builder resumeFrom(Path checkpoint) {
            this.resume = Objects.requireNonNull(checkpoint, "checkpoint");
            return this;
        }

        /**
         * Runs {@code spec} as it is, instead of the settings, data and checkpoints given to
         * this builder (as the command line hands a run over).
         *
         * @param given the run every worker builds
         * @return this builder
         */
        public Builder spec(PretrainingSpec given) {
            this.spec = Objects.requireNonNull(given, "spec");
            return this;
        }

        /**
         * @param listener called on every worker after every step (serialised to the executors)
         * @return this builder
         */
        public Builder afterStepOnWorkers(WorkerStepListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * @param out where the driver's lines go (default standard output): the restarts
         * @return this builder
         */
        public Builder log(PrintStream out) {
            this.log = Objects.requireNonNull(out, "out");
            return this;
        }

        /**
         * Runs the barrier stage and waits for its end, restarting it after failures.
         *
         * @return where the run ended, the epochs and step losses of its last start, and the restarts
         * @throws IllegalArgumentException if a setting is wrong (checked here first) or the
         *     workers refused the run, with their message
         * @throws IllegalStateException if the run failed more than {@code maxRestarts} times
         */
        public DistributedPretrainingResult run() {
            if (spec == null && dataFrame != null) {
                writeDataFrame();
            }
            PretrainingSpec run = spec != null ? spec : spec();
            return SparkPretraining.run(context, workers, maxRestarts, run, listeners, log);
        }

        /** Writes the DataFrame's images under the checkpoints, where the workers read them as a directory. */
        private void writeDataFrame() {
            if (checkpoints == null) {
                throw new IllegalStateException("a DataFrame of images needs checkpoints(Path), a directory every worker can"
                        + " read: its images are written under it for the workers");
            }
            requireSlots(context, workers);
            config.build();       // a wrong setting fails before the images are written
            Path directory = checkpoints.resolve(DataFrameImages.DIRECTORY);
            long count = DataFrameImages.write(dataFrame, directory);
            log.printf(Locale.ROOT, "wrote the DataFrame's %d images to %s%n", count, directory);
            log.flush();
            data = directory;
        }

        private PretrainingSpec spec() {
            if (data == null) {
                throw new IllegalStateException("no training images: call data(Path) with a directory every worker can read,"
                        + " or data(Dataset) with a DataFrame of images");
            }
            PretrainingSpec built = PretrainingSpec.of(config.build(), data).withImages(split, channels, 0);
            if (checkpoints != null) {
                built = built.withCheckpoints(checkpoints, keepCheckpoints, checkpointEverySteps);
            }
            return resume == null ? built : built.withResumeFrom(resume);
        }
    }

    /**
     * Runs {@code spec} on a Spark context of its own on {@code master} (Spark's UI off unless
     * {@code spark.ui.enabled} says otherwise), as {@link SparkEngine} and the spark-submit main do.
     */
    static DistributedPretrainingResult runOn(String master, int workers, int maxRestarts, PretrainingSpec spec,
            List<WorkerStepListener> listeners, PrintStream log) {
        SparkConf conf = new SparkConf().setAppName("moco pretraining").setIfMissing("spark.ui.enabled", "false");
        if (master != null) {
            conf.setMaster(master);
        }
        try (JavaSparkContext context = new JavaSparkContext(conf)) {
            context.setLogLevel("WARN");
            return run(context, workers, maxRestarts, spec, listeners, log);
        }
    }

    /**
     * The driver: one barrier stage of {@code workers} tasks, again from the newest checkpoint
     * after a failure, at most {@code maxRestarts} times.
     */
    static DistributedPretrainingResult run(JavaSparkContext context, int workers, int maxRestarts, PretrainingSpec spec,
            List<WorkerStepListener> listeners, PrintStream log) {
        requireSlots(context, workers);
        spec.config();    // a wrong key or value fails here, before any executor starts
        PretrainingSpec attempt = spec;
        for (int restart = 0; ; restart++) {
            spec.checkpoints().ifPresent(dir -> new CheckpointDirectory(dir, spec.keepCheckpoints()).removeStaleTemporaries());
            try {
                List<WorkerReport> reports = BarrierStage.run(context, workers, new PretrainingWorker(attempt, listeners));
                return result(reports, attempt, restart);
            } catch (Exception e) {      // SparkException is checked, and thrown undeclared by Scala
                if (!(e instanceof SparkException failure)) {
                    throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
                }
                Optional<String> refusal = refusal(failure);
                if (refusal.isPresent()) {
                    throw new IllegalArgumentException(refusal.get());
                }
                if (restart == maxRestarts) {
                    throw new IllegalStateException("the distributed pretraining failed " + (maxRestarts == 0 ? "" : "again after "
                            + maxRestarts + " restarts ") + "(" + reason(failure) + ")", failure);
                }
                attempt = resumePoint(spec, restart + 1, maxRestarts, failure, log);
            }
        }
    }

    /**
     * The spec of the next start: the newest checkpoint if one was written, else the spec as
     * given (from its own resume point or the beginning). Prints what it chose.
     */
    private static PretrainingSpec resumePoint(PretrainingSpec spec, int restart, int maxRestarts, SparkException failure,
            PrintStream log) {
        String why = reason(failure);
        Optional<Path> latest = spec.checkpoints().map(CheckpointDirectory::resolve).filter(Files::exists);
        if (latest.isEmpty()) {
            String from = spec.resume().map(p -> "resumed from " + p + ", as at the start,")
                    .orElse("restarted from the beginning, no checkpoint having been written,");
            log.printf(Locale.ROOT, "%s after a failure (restart %d of %d): %s%n", from, restart, maxRestarts, why);
            log.flush();
            return spec;
        }
        StoredCheckpoint checkpoint = CheckpointDirectory.open(latest.get());
        log.printf(Locale.ROOT, "resumed from %s at step %d after a failure (restart %d of %d): %s%n", checkpoint.file(),
                checkpoint.checkpoint().position().globalStep(), restart, maxRestarts, why);
        log.flush();
        return spec.withResumeFrom(checkpoint.file());
    }

    private static DistributedPretrainingResult result(List<WorkerReport> reports, PretrainingSpec attempt, int restarts) {
        WorkerReport first = reports.get(0);
        List<Double> losses = new ArrayList<>();
        for (double loss : first.stepLosses()) {
            losses.add(loss);
        }
        Optional<Path> checkpoint = Optional.ofNullable(first.lastCheckpoint()).map(Path::of).or(attempt::resume);
        return new DistributedPretrainingResult(reports.size(), first.end(), first.epochs(), losses, checkpoint, restarts);
    }

    /** The workers' refusal, if a worker refused the run: a restart would fail the same way. */
    static Optional<String> refusal(SparkException failure) {
        Matcher m = REFUSAL.matcher(String.valueOf(failure.getMessage()));
        return m.find() ? Optional.of(m.group(1).strip()) : Optional.empty();
    }

    /**
     * Barrier mode needs W task slots at once; on {@code local[n]} with n &lt; W Spark would
     * retry its check for minutes before giving up, so it is refused here.
     */
    static void requireSlots(JavaSparkContext context, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("the workers W must be at least 1, got " + workers + " (Builder.workers)");
        }
        String master = context.master();
        if (master.startsWith("local") && context.sc().defaultParallelism() < workers) {
            throw new IllegalArgumentException(master + " runs " + context.sc().defaultParallelism() + " tasks at once but "
                    + workers + " workers need " + workers + " (a barrier stage starts all its tasks together): use local["
                    + workers + "]");
        }
    }

    /**
     * The failed task's exception in Spark's message ("Job aborted due to stage failure: ...
     * barrier task ... finished unsuccessfully.", then the exception's line and stack, or the lost
     * executor's line), else the message's first line.
     */
    static String reason(SparkException failure) {
        String[] lines = String.valueOf(failure.getMessage()).split("\n");
        for (String line : lines) {
            if (EXCEPTION_LINE.matcher(line).matches()) {
                return line;
            }
        }
        return lines[0];
    }
}
