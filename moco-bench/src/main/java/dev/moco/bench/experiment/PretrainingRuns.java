package dev.moco.bench.experiment;

import dev.moco.api.Encoder;
import dev.moco.core.run.ConfiguredEncoder;
import dev.moco.bench.cli.pretrain.EpochProgress;
import dev.moco.bench.cli.pretrain.MetricsCsv;
import dev.moco.bench.cli.pretrain.MetricsRow;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.CheckpointException;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.run.internal.PeriodicCheckpoints;
import dev.moco.core.run.internal.TrainingLoop;
import dev.moco.core.run.internal.TrainingRun;
import dev.moco.core.run.internal.TrainingSnapshot;
import dev.moco.core.wiring.TrainingData;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The one place where experiments build and run pretraining, through the run-building code
 * of the library ({@link ConfiguredEncoder#assemble} into a {@link TrainingRun}, its
 * {@link TrainingLoop}, {@link TrainingSnapshot} checkpoints).
 * Each run lives in its own directory under {@code results/runs/}: its checkpoints (one per
 * epoch), its {@code metrics.csv} and its cumulative training time, so that a run interrupted
 * in any epoch continues from its last epoch's checkpoint when the experiment is re-run.
 */
final class PretrainingRuns {

    private static final String SECONDS_FILE = "train-seconds.txt";

    private PretrainingRuns() {}

    /**
     * A finished (or resumed-and-finished) run; its caller closes {@link #setup()} when done with the encoder.
     *
     * @param epochs its metrics per epoch, the untrained epoch 0 not included
     * @param trainSeconds wall time of its training over every sitting, checkpoints included
     */
    record Trained(TrainingRun setup, List<MetricsRow> epochs, double trainSeconds) {
        Encoder queryEncoder() {
            return setup.queryEncoder();
        }

        MetricsRow last() {
            return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        }
    }

    /** The run's setup without training it: the encoder as the seed initialises it. */
    static TrainingRun untrained(MocoConfig config, ExperimentData data) {
        return setup(config, data);
    }

    /**
     * Trains the run of {@code config} in {@code runDir}, continuing from its checkpoint if an
     * earlier sitting left one.
     *
     * @param listeners made from the run's setup; called after each epoch, after the metrics are recorded and before the
     *     epoch's checkpoint is written
     * @throws dev.moco.core.NonFiniteLossException if the loss or its gradient became non-finite
     */
    static Trained train(MocoConfig config, ExperimentData data, Path runDir,
            Function<TrainingRun, List<AfterEpochListener>> listeners, boolean progress, PrintStream err) {
        TrainingRun setup = setup(config, data);
        CheckpointDirectory checkpoints = new CheckpointDirectory(runDir.resolve("checkpoints"), 1);
        TrainingPosition start = TrainingPosition.start(setup.stepsPerEpoch());
        Path latest = checkpoints.latest();
        if (Files.isRegularFile(latest)) {
            Checkpoint checkpoint = CheckpointDirectory.load(latest);
            try {
                TrainingSnapshot.restore(checkpoint, setup);
            } catch (CheckpointException e) {
                throw new CheckpointException(e.getMessage() + " (the run in " + runDir
                        + " was started with other settings; delete that directory to start it again)", e);
            }
            start = checkpoint.position();
            err.printf("  continuing from %s (epoch %d of %d)%n", latest, start.epoch(), setup.epochs());
        }
        double earlierSeconds = start.globalStep() == 0 ? 0 : readSeconds(runDir);
        MetricsCsv metrics = MetricsCsv.open(runDir.resolve("metrics.csv"), start.globalStep() == 0 ? -1 : start.epoch());
        String source = data.directory().toString();
        PeriodicCheckpoints saver = new PeriodicCheckpoints(checkpoints,
                position -> TrainingSnapshot.capture(setup, position, source), 0);
        TrainingLoop run = setup.loop();
        EpochProgress bar = new EpochProgress(setup.epochs(), err);
        if (progress) {
            run.addAfterStepListener(bar);
            run.addAfterEpochListener(bar);
        }
        listeners.apply(setup).forEach(run::addAfterEpochListener);
        run.addAfterEpochListener(metrics);
        long began = System.nanoTime();
        run.addAfterEpochListener(epoch -> writeSeconds(runDir, earlierSeconds + (System.nanoTime() - began) / 1e9));
        run.addAfterEpochListener(saver);
        try {
            run.run(start);
        } catch (RuntimeException e) {
            setup.close();   // a run that stopped frees its encoders; a finished one is closed by its caller
            throw e;
        } finally {
            bar.close();
        }
        double seconds = start.epoch() >= setup.epochs() ? earlierSeconds : readSeconds(runDir);
        return new Trained(setup, metrics.rows(), seconds);
    }

    private static TrainingRun setup(MocoConfig config, ExperimentData data) {
        ImageDataset images = data.pretraining();
        return ConfiguredEncoder.from(config, images.channels()).assemble(config, new TrainingData(images, data.normalize()));
    }

    static double readSeconds(Path runDir) {
        Path file = runDir.resolve(SECONDS_FILE);
        try {
            return Files.isRegularFile(file) ? Double.parseDouble(Files.readString(file, StandardCharsets.UTF_8).strip()) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static void writeSeconds(Path runDir, double seconds) {
        try {
            Files.writeString(runDir.resolve(SECONDS_FILE), Double.toString(seconds), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + runDir.resolve(SECONDS_FILE), e);
        }
    }
}
