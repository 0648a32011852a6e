package dev.moco.bench.cli.pretrain;

import dev.moco.api.Encoder;
import dev.moco.bench.cli.RunDirectory;
import dev.moco.core.NonFiniteLossException;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.StoredCheckpoint;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.DatasetSplit;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.CheckpointContents;
import dev.moco.core.run.EncoderDescription;
import dev.moco.core.run.DistributedPretraining;
import dev.moco.core.run.DistributedPretrainingResult;
import dev.moco.core.run.EpochLog;
import dev.moco.core.run.EpochReport;
import dev.moco.core.run.NonFiniteStateException;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.PretrainingSpec;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.wiring.TrainingData;
import dev.moco.downstream.FeatureExtractor;
import dev.moco.downstream.KnnMonitor;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One pretraining run as the {@code pretrain} and {@code quickstart} commands run it, with a
 * kNN monitor and a run directory: holds out images for the monitor, has the library build
 * the run ({@link Pretraining}, resumed from a checkpoint if asked), attaches the listeners
 * (progress bar, kNN monitor, BN-cheating warning, metrics CSV, chart, checkpoints, epoch
 * log), and runs it.
 *
 * <p>The output directory receives {@code config.properties} (the effective
 * configuration), {@code metrics.csv}, {@code training.png} and {@code checkpoints/}.
 */
public final class MonitoredPretraining {

    /** Seed offset of the kNN bank subsample, so it differs from the held-out draw. */
    private static final long BANK_SALT = 0xba4bL;

    /**
     * @param config the validated configuration
     * @param data every training image; {@code heldOut} of them are set aside for the monitor
     * @param dataDescription for the log and the checkpoint
     * @param heldOut images held out for the kNN monitor; 0 turns the monitor off
     * @param knnBankLimit at most this many training images form the kNN memory bank
     * @param knnK neighbours
     * @param knnTemperature vote temperature
     * @param outDir the run directory
     * @param overwrite whether a new run may replace the run already in {@code outDir}
     *     (its files are deleted first); without it such a run is refused
     * @param resume the checkpoint to continue, or null for a new run
     * @param checkpointEvery also checkpoint every this many steps (0: epoch ends only)
     * @param keepCheckpoints epoch checkpoints kept
     * @param progress show a progress bar
     * @param chartTitle title of the chart
     */
    public record Options(MocoConfig config, ImageDataset data, String dataDescription, int heldOut, int knnBankLimit,
            int knnK, double knnTemperature, Path outDir, boolean overwrite, StoredCheckpoint resume, long checkpointEvery,
            int keepCheckpoints,
            boolean progress, String chartTitle) {}

    /**
     * @param untrainedKnn kNN accuracy before training (NaN when resuming or without monitor)
     * @param finalKnn kNN accuracy at the end (NaN without monitor)
     * @param position where the run ended
     */
    public record Result(double untrainedKnn, double finalKnn, TrainingPosition position, Path metrics, Path chart,
            Path latestCheckpoint) {}

    private final Options options;

    public MonitoredPretraining(Options options) {
        this.options = options;
    }

    /**
     * Validates everything (configuration, data, checkpoint, run directory) before writing
     * anything, then trains.
     *
     * @throws IllegalArgumentException if {@code outDir} holds another run and overwriting
     *     was not asked for, or the data or settings do not fit
     * @throws TrainingStoppedException if the loss, the gradient or the state became
     *     non-finite; the message names the last good checkpoint, a file that exists
     */
    public Result run(PrintStream out, PrintStream err) {
        MocoConfig config = options.config();
        StoredCheckpoint resume = options.resume();
        checkRunDirectory();

        DatasetSplit split = DatasetSplit.holdOut(options.data(), options.heldOut(), config.getLong(MocoConfig.SEED));
        String fingerprint = TrainingData.fingerprint(options.data());
        Pretraining.Builder builder = Pretraining.configuration(config)
                .data(split.train(), options.dataDescription())
                .dataFingerprint(fingerprint);
        if (resume != null) {
            builder.resumeFrom(resume);
        }
        try (Pretraining run = builder.build()) {
            return train(run, split, fingerprint, out, err);
        }
    }

    /** Opens the run directory, attaches the monitor, metrics, chart and checkpoints, and trains. */
    private Result train(Pretraining run, DatasetSplit split, String fingerprint, PrintStream out, PrintStream err) {
        MocoConfig config = run.config();
        int epochs = config.getInt(MocoConfig.EPOCHS);
        Path outDir = options.outDir();
        StoredCheckpoint resume = options.resume();
        TrainingPosition start = run.start();
        Normalize normalize = run.normalization();
        KnnMonitor monitor = split.heldOut().size() > 0 ? knnMonitor(run.queryEncoder(), split, normalize) : null;

        // everything is validated: from here on files are written
        CheckpointDirectory checkpointFiles = createRunDirectory(err);
        Path checkpoints = checkpointFiles.directory();

        printData(split, out);
        out.printf(Locale.ROOT, "model: %s encoder (%s implementation, %,d parameters), %s dictionary (K=%d), batch %d, %d steps per epoch, %d epochs%n",
                run.encoderDescription().properties().get("architecture"),
                run.encoderDescription().properties().get(EncoderDescription.IMPLEMENTATION),
                run.queryEncoder().parameters().length(), config.getString(MocoConfig.DICTIONARY),
                run.dictionary().negativesPerQuery(), config.getInt(MocoConfig.BATCH_SIZE), run.stepsPerEpoch(), epochs);
        printResumeAndOutput(fingerprint, out, err);

        MetricsCsv csv = MetricsCsv.open(outDir.resolve(RunDirectory.METRICS), resume == null ? -1 : start.epoch());
        Path chart = outDir.resolve(RunDirectory.CHART);
        CheatingDetector cheating = new CheatingDetector(err);
        double untrained = Double.NaN;
        if (monitor != null && start.globalStep() == 0) {
            untrained = monitor.evaluate();
            csv.append(new MetricsRow(0, 0, Double.NaN, Double.NaN, untrained, Double.NaN, Double.NaN));
            out.printf(Locale.ROOT, "epoch 0 (untrained): knn-accuracy %.4f%n", untrained);
            out.flush();
        }
        csv.rows().stream().filter(r -> !Double.isNaN(r.knnAccuracy())).reduce((a, b) -> b)
                .ifPresent(r -> cheating.setPreviousKnnAccuracy(r.knnAccuracy()));

        EpochProgress progress = new EpochProgress(epochs, err);
        if (options.progress()) {
            run.afterStep(progress).afterEpoch(progress);
        }
        if (monitor != null) {
            run.afterEpoch(monitor);
        }
        run.afterEpoch(cheating).afterEpoch(csv).afterEpoch(e -> TrainingChart.write(csv.rows(), chart, options.chartTitle()));
        run.checkpoints(checkpoints, options.keepCheckpoints(), options.checkpointEvery());   // after the epoch's metrics
        run.afterEpoch(new EpochLog(epochs, out));

        TrainingPosition end;
        long stepsPerEpoch = run.stepsPerEpoch();
        Path lastGood = resume == null ? null : resume.file();
        try {
            end = run.run().end();
        } catch (NonFiniteLossException e) {
            progress.close();
            throw stopped(String.format(Locale.ROOT, "the loss or its gradient became non-finite at step %d (epoch %d, step %d of %d);"
                    + " its update was not applied.", e.step() + 1, e.step() / stepsPerEpoch + 1, e.step() % stepsPerEpoch + 1,
                    stepsPerEpoch), run.lastCheckpointWritten().orElse(null), lastGood, e);
        } catch (NonFiniteStateException e) {
            progress.close();
            TrainingPosition p = e.position();
            long step = p.globalStep() - 1;
            throw stopped(String.format(Locale.ROOT, "after step %d (epoch %d, step %d of %d) the checkpoint due was not written:"
                    + " its %s.", p.globalStep(), step / stepsPerEpoch + 1, step % stepsPerEpoch + 1, stepsPerEpoch,
                    e.getMessage()), run.lastCheckpointWritten().orElse(null), lastGood, e);
        } finally {
            progress.close();
        }

        double finalKnn = Double.NaN;
        if (monitor != null) {
            List<MetricsRow> rows = csv.rows();
            MetricsRow last = rows.isEmpty() ? null : rows.get(rows.size() - 1);
            finalKnn = last != null && last.epoch() == end.epoch() && !Double.isNaN(last.knnAccuracy())
                    ? last.knnAccuracy() : monitor.evaluate();
        }
        if (!Files.exists(chart) && !csv.rows().isEmpty()) {
            TrainingChart.write(csv.rows(), chart, options.chartTitle());
        }
        Path latest = run.lastCheckpointWritten().isPresent() || lastGood == null
                ? checkpointFiles.latest() : lastGood;
        printOutputs(csv, chart, latest, out);
        return new Result(untrained, finalKnn, end, csv.file(), chart, latest);
    }

    /**
     * The same run as {@link #run}, on {@code cluster.workers()} workers of a distributed
     * engine: this process keeps the run directory, writes the metrics of the epochs the workers
     * report when the run ends, and measures the kNN accuracy of the last checkpoint. The epochs'
     * lines come from worker 0 as it trains; there is no untrained kNN row and no per-epoch kNN.
     *
     * @param engine the engine, e.g. moco-spark's
     * @param cluster where and how many workers, and the images as every worker reads them
     * @throws IllegalArgumentException if the run directory, a setting or the workers refuse the run
     */
    public Result runDistributed(DistributedPretraining engine, Cluster cluster, PrintStream out, PrintStream err) {
        MocoConfig config = options.config();
        StoredCheckpoint resume = options.resume();
        checkRunDirectory();
        DatasetSplit split = DatasetSplit.holdOut(options.data(), options.heldOut(), config.getLong(MocoConfig.SEED));
        String fingerprint = TrainingData.fingerprint(options.data());
        CheckpointDirectory checkpointFiles = createRunDirectory(err);
        printData(split, out);
        out.printf(Locale.ROOT, "workers: %d on %s (%s engine), at most %d restarts%n", cluster.workers(), cluster.master(),
                engine.name(), cluster.maxRestarts());
        printResumeAndOutput(fingerprint, out, err);

        PretrainingSpec spec = PretrainingSpec.of(config, cluster.dataDirectory())
                .withImages(cluster.split(), cluster.channels(), options.heldOut())
                .withCheckpoints(checkpointFiles.directory(), options.keepCheckpoints(), options.checkpointEvery());
        if (resume != null) {
            spec = spec.withResumeFrom(resume.file());
        }
        DistributedPretrainingResult result = engine.run(cluster.master(), cluster.workers(), cluster.maxRestarts(), spec, out);

        Path latest = Files.exists(checkpointFiles.latest()) ? checkpointFiles.latest()
                : result.lastCheckpoint().orElse(checkpointFiles.latest());
        double finalKnn = Double.NaN;
        if (split.heldOut().size() > 0 && Files.exists(latest)) {
            try (PretrainedEncoder trained = PretrainedEncoder.load(latest)) {
                finalKnn = knnMonitor(trained.encoder(), split, trained.normalization().orElseThrow()).evaluate();
            }
        }
        MetricsCsv csv = MetricsCsv.open(options.outDir().resolve(RunDirectory.METRICS),
                resume == null ? -1 : resume.checkpoint().position().epoch());
        List<EpochReport> epochs = result.epochs();
        for (int i = 0; i < epochs.size(); i++) {
            if (i == epochs.size() - 1 && !Double.isNaN(finalKnn)) {
                epochs.get(i).putMetric(EpochReport.KNN_ACCURACY, finalKnn);
            }
            csv.afterEpoch(epochs.get(i));
        }
        Path chart = options.outDir().resolve(RunDirectory.CHART);
        if (!csv.rows().isEmpty()) {
            TrainingChart.write(csv.rows(), chart, options.chartTitle());
        }
        printOutputs(csv, chart, latest, out);
        return new Result(Double.NaN, finalKnn, result.end(), csv.file(), chart, latest);
    }

    /**
     * Where the workers of a distributed run are and how they read the images.
     *
     * @param master the engine's master, e.g. {@code local[2]}
     * @param workers W
     * @param maxRestarts restarts from the newest checkpoint after a failure
     * @param dataDirectory the images' directory, at a path every worker reads
     * @param split {@code train} or {@code test}
     * @param channels 1 or 3 to convert an image folder to, 0 for its own
     */
    public record Cluster(String master, int workers, int maxRestarts, Path dataDirectory, String split, int channels) {}

    /** Refuses, before anything is written, a run directory this run may not use. */
    private void checkRunDirectory() {
        Path outDir = options.outDir();
        if (intoResumedRun() && options.overwrite()) {
            throw new IllegalArgumentException("--overwrite would delete the run being resumed (" + outDir
                    + "); leave it out, or write the resumed run elsewhere with --out");
        }
        RunDirectory.requireDirectoryOrAbsent(outDir);
        if (!intoResumedRun() && !options.overwrite()) {
            RunDirectory.requireFresh(outDir, false);   // refused before anything else is done
        }
    }

    /** Whether the run continues in the directory of the run it resumes. */
    private boolean intoResumedRun() {
        StoredCheckpoint resume = options.resume();
        return resume != null && RunDirectory.of(resume.file()).equals(options.outDir().toAbsolutePath().normalize());
    }

    /** Deletes the old run if overwriting, creates the run directory, writes the configuration; the checkpoints' directory. */
    private CheckpointDirectory createRunDirectory(PrintStream err) {
        Path outDir = options.outDir();
        if (!intoResumedRun() && options.overwrite()) {
            RunDirectory.requireFresh(outDir, true);    // deletes the old run's files
        }
        RunDirectory.create(outDir);
        writeConfig(options.config(), outDir.resolve(RunDirectory.CONFIG));
        CheckpointDirectory checkpointFiles = new CheckpointDirectory(outDir.resolve(RunDirectory.CHECKPOINTS),
                options.keepCheckpoints());
        RunDirectory.removeStaleTemporaries(checkpointFiles, err);
        return checkpointFiles;
    }

    private void printData(DatasetSplit split, PrintStream out) {
        out.printf(Locale.ROOT, "data: %s; training on %d images, %d held out for the kNN monitor%n",
                options.dataDescription(), split.train().size(), split.heldOut().size());
    }

    /** Where a resumed run continues (and what differs from its checkpoint), then the run directory. */
    private void printResumeAndOutput(String fingerprint, PrintStream out, PrintStream err) {
        StoredCheckpoint resume = options.resume();
        if (resume != null) {
            MocoConfig config = options.config();
            int epochs = config.getInt(MocoConfig.EPOCHS);
            TrainingPosition start = resume.checkpoint().position();
            warnOnDifferences(resume.checkpoint(), config, fingerprint, err);
            if (start.epoch() >= epochs) {
                out.printf(Locale.ROOT, "%s is at the end of epoch %d and the run has %d epochs: nothing left to train"
                        + " (pass --epochs with more to continue)%n", resume.file(), start.epoch(), epochs);
            } else {
                out.printf(Locale.ROOT, "resuming %s at epoch %d of %d, step %d of %d (global step %d)%n", resume.file(),
                        start.epoch() + 1, epochs, start.stepInEpoch(), start.stepsPerEpoch(), start.globalStep());
            }
        }
        out.println("output: " + options.outDir());
        out.flush();
    }

    private static void printOutputs(MetricsCsv csv, Path chart, Path checkpoint, PrintStream out) {
        out.println("metrics: " + csv.file());
        out.println("chart: " + chart);
        out.println("checkpoint: " + checkpoint);
        out.flush();
    }

    /** The kNN monitor of {@code encoder} on the held-out images, its bank drawn from the training images. */
    private KnnMonitor knnMonitor(Encoder encoder, DatasetSplit split, Normalize normalize) {
        MocoConfig config = options.config();
        int imageSize = config.getInt(MocoConfig.IMAGE_SIZE);
        ImageDataset train = split.train();
        FeatureExtractor extractor = new FeatureExtractor(
                AugmentationPreset.NONE.pipeline(train.shape(), imageSize, imageSize, normalize), 256);
        return new KnnMonitor(encoder, bank(train, options.knnBankLimit(), config.getLong(MocoConfig.SEED)), split.heldOut(),
                extractor, options.knnK(), options.knnTemperature());
    }

    /**
     * The exception of a run stopped by non-finite values, naming the last good checkpoint:
     * the newest this process wrote (every checkpoint written is finite), else the one it
     * resumed from.
     */
    private TrainingStoppedException stopped(String what, Path written, Path resumedFrom, RuntimeException cause) {
        Path last = written != null ? written : resumedFrom;
        String resumeWith = written != null ? options.outDir().toString() : String.valueOf(resumedFrom);
        return new TrainingStoppedException("training stopped: " + what + " "
                + (last == null ? "No checkpoint was written before it."
                        : "The last good checkpoint is " + last + " (resume with --resume " + resumeWith
                                + " after lowering optimizer.lr or raising temperature)."), cause);
    }

    /** Notes on standard error what differs from the run the checkpoint was written by: settings and data. */
    private static void warnOnDifferences(Checkpoint checkpoint, MocoConfig config, String fingerprint, PrintStream err) {
        List<String> settings = CheckpointContents.settingsThatDiffer(checkpoint, config);
        if (!settings.isEmpty()) {
            err.println("note: settings that differ from the checkpoint's: " + String.join(", ", settings));
        }
        checkpoint.property(CheckpointContents.DATA_FINGERPRINT).filter(saved -> !saved.equals(fingerprint)).ifPresent(saved ->
                err.println("warning: the data differs from the data the checkpoint was trained on (checkpoint: " + saved
                        + "; now: " + fingerprint + ")"));
    }

    /** At most {@code limit} images of {@code train}, spread evenly, as the kNN memory bank. */
    static ImageDataset bank(ImageDataset train, int limit, long seed) {
        if (train.size() <= limit) {
            return train;
        }
        return DatasetSplit.holdOut(train, limit, seed ^ BANK_SALT).heldOut();
    }

    private static void writeConfig(MocoConfig config, Path file) {
        String text = config.asMap().entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining("\n", "# effective configuration of this run\n", "\n"));
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
