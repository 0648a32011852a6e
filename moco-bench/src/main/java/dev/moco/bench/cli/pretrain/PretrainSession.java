package dev.moco.bench.cli.pretrain;

import dev.moco.core.NonFiniteLossException;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.StoredCheckpoint;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.DatasetSplit;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.ConfiguredEncoder;
import dev.moco.core.run.ListenerFailedException;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.run.internal.EpochTotals;
import dev.moco.core.run.internal.NonFiniteStateException;
import dev.moco.core.run.internal.PeriodicCheckpoints;
import dev.moco.core.run.internal.TrainingLoop;
import dev.moco.core.run.internal.TrainingRun;
import dev.moco.core.run.internal.TrainingSnapshot;
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
 * One pretraining run as the {@code pretrain} and {@code quickstart} commands run it: holds
 * out images for the kNN monitor, has the library assemble the run ({@link ConfiguredEncoder}),
 * restores a checkpoint when resuming, wires the listeners (progress bar, kNN monitor,
 * BN-cheating warning, metrics CSV, chart, checkpoints, epoch log) into its
 * {@link TrainingLoop}, and runs it.
 *
 * <p>The output directory receives {@code config.properties} (the effective
 * configuration), {@code metrics.csv}, {@code training.png} and {@code checkpoints/}.
 */
public final class PretrainSession {

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

    public PretrainSession(Options options) {
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
        long seed = config.getLong(MocoConfig.SEED);
        int epochs = config.getInt(MocoConfig.EPOCHS);
        int imageSize = config.getInt(MocoConfig.IMAGE_SIZE);
        Path outDir = options.outDir();
        StoredCheckpoint resume = options.resume();
        Checkpoint resumed = resume == null ? null : resume.checkpoint();
        boolean intoResumedRun = resume != null && RunDirectory.of(resume.file()).equals(outDir.toAbsolutePath().normalize());
        if (intoResumedRun && options.overwrite()) {
            throw new IllegalArgumentException("--overwrite would delete the run being resumed (" + outDir
                    + "); leave it out, or write the resumed run elsewhere with --out");
        }
        RunDirectory.requireDirectoryOrAbsent(outDir);
        if (!intoResumedRun && !options.overwrite()) {
            RunDirectory.requireFresh(outDir, false);   // refused before anything else is done
        }

        DatasetSplit split = DatasetSplit.holdOut(options.data(), options.heldOut(), seed);
        ImageDataset train = split.train();
        Normalize normalize = resumed != null
                ? TrainingSnapshot.normalize(resumed)
                : TrainingData.estimateNormalization(train, TrainingData.NORMALIZATION_SAMPLES);
        ConfiguredEncoder encoder = ConfiguredEncoder.from(config, train.channels());
        TrainingRun setup = encoder.assemble(config, new TrainingData(train, normalize));
        String fingerprint = TrainingData.fingerprint(options.data());

        TrainingPosition start = TrainingPosition.start(setup.stepsPerEpoch());
        EpochTotals carried = new EpochTotals();
        if (resumed != null) {
            TrainingSnapshot.restore(resumed, setup);
            start = resumed.position();
            carried = TrainingSnapshot.epochTotals(resumed);
        }
        KnnMonitor monitor = null;
        if (split.heldOut().size() > 0) {
            FeatureExtractor extractor = new FeatureExtractor(
                    AugmentationPreset.NONE.pipeline(train.shape(), imageSize, imageSize, normalize), 256);
            monitor = new KnnMonitor(setup.queryEncoder(), bank(train, options.knnBankLimit(), seed), split.heldOut(),
                    extractor, options.knnK(), options.knnTemperature());
        }

        // everything is validated: from here on files are written
        if (!intoResumedRun && options.overwrite()) {
            RunDirectory.requireFresh(outDir, true);    // deletes the old run's files
        }
        RunDirectory.create(outDir);
        writeConfig(config, outDir.resolve(RunDirectory.CONFIG));
        CheckpointDirectory checkpoints = new CheckpointDirectory(outDir.resolve(RunDirectory.CHECKPOINTS),
                options.keepCheckpoints());
        RunDirectory.removeStaleTemporaries(checkpoints, err);

        out.printf(Locale.ROOT, "data: %s; training on %d images, %d held out for the kNN monitor%n",
                options.dataDescription(), train.size(), split.heldOut().size());
        out.printf(Locale.ROOT, "model: %s encoder (%s implementation, %,d parameters), %s dictionary (K=%d), batch %d, %d steps per epoch, %d epochs%n",
                encoder.spec().architecture(), encoder.implementation().id(), setup.queryEncoder().parameters().length(),
                config.getString(MocoConfig.DICTIONARY), setup.dictionary().negativesPerQuery(),
                config.getInt(MocoConfig.BATCH_SIZE), setup.stepsPerEpoch(), epochs);
        if (resumed != null) {
            warnOnDifferences(resumed, config, fingerprint, err);
            if (start.epoch() >= epochs) {
                out.printf(Locale.ROOT, "%s is at the end of epoch %d and the run has %d epochs: nothing left to train"
                        + " (pass --epochs with more to continue)%n", resume.file(), start.epoch(), epochs);
            } else {
                out.printf(Locale.ROOT, "resuming %s at epoch %d of %d, step %d of %d (global step %d)%n", resume.file(),
                        start.epoch() + 1, epochs, start.stepInEpoch(), start.stepsPerEpoch(), start.globalStep());
            }
        }
        out.println("output: " + outDir);
        out.flush();

        MetricsCsv csv = MetricsCsv.open(outDir.resolve(RunDirectory.METRICS), resumed == null ? -1 : start.epoch());
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

        String source = options.dataDescription();
        TrainingLoop run = setup.loop();
        PeriodicCheckpoints saver = new PeriodicCheckpoints(checkpoints,
                position -> TrainingSnapshot.capture(setup, position, source, fingerprint, run.epochTotals()),
                options.checkpointEvery());
        EpochProgress progress = new EpochProgress(epochs, err);
        if (options.progress()) {
            run.addAfterStepListener(progress);
        }
        run.addAfterStepListener(saver);
        if (options.progress()) {
            run.addAfterEpochListener(progress);
        }
        if (monitor != null) {
            run.addAfterEpochListener(monitor);
        }
        run.addAfterEpochListener(cheating);
        run.addAfterEpochListener(csv);
        run.addAfterEpochListener(e -> TrainingChart.write(csv.rows(), chart, options.chartTitle()));
        run.addAfterEpochListener(saver);
        run.addAfterEpochListener(new EpochLog(epochs, out));

        TrainingPosition end;
        long stepsPerEpoch = setup.stepsPerEpoch();
        Path lastGood = resume == null ? null : resume.file();
        try {
            try {
                end = run.run(start, carried);
            } catch (ListenerFailedException e) {
                // a checkpoint that found non-finite state is the run stopping, not a failing listener
                throw e.getCause() instanceof NonFiniteStateException state ? state : e;
            }
        } catch (NonFiniteLossException e) {
            progress.close();
            throw stopped(String.format(Locale.ROOT, "the loss or its gradient became non-finite at step %d (epoch %d, step %d of %d);"
                    + " its update was not applied.", e.step() + 1, e.step() / stepsPerEpoch + 1, e.step() % stepsPerEpoch + 1,
                    stepsPerEpoch), saver.lastWritten(), lastGood, e);
        } catch (NonFiniteStateException e) {
            progress.close();
            TrainingPosition p = e.position();
            long step = p.globalStep() - 1;
            throw stopped(String.format(Locale.ROOT, "after step %d (epoch %d, step %d of %d) the checkpoint due was not written:"
                    + " its %s.", p.globalStep(), step / stepsPerEpoch + 1, step % stepsPerEpoch + 1, stepsPerEpoch,
                    e.getMessage()), saver.lastWritten(), lastGood, e);
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
        Path latest = saver.lastWritten() != null || lastGood == null ? checkpoints.latest() : lastGood;
        out.println("metrics: " + csv.file());
        out.println("chart: " + chart);
        out.println("checkpoint: " + latest);
        out.flush();
        setup.close();      // the encoders' native memory, at once
        return new Result(untrained, finalKnn, end, csv.file(), chart, latest);
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
        List<String> settings = TrainingSnapshot.settingsThatDiffer(checkpoint, config);
        if (!settings.isEmpty()) {
            err.println("note: settings that differ from the checkpoint's: " + String.join(", ", settings));
        }
        checkpoint.property(TrainingSnapshot.DATA_FINGERPRINT).filter(saved -> !saved.equals(fingerprint)).ifPresent(saved ->
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
