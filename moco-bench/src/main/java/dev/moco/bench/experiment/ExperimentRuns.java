package dev.moco.bench.experiment;

import dev.moco.api.Encoder;
import dev.moco.bench.cli.pretrain.EpochProgress;
import dev.moco.bench.cli.pretrain.MetricsCsv;
import dev.moco.bench.cli.pretrain.MetricsRow;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.CheckpointException;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.TrainingPosition;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * How experiments build and run pretraining: through the library's facade, {@link Pretraining},
 * as a user would. Each run lives in its own directory under {@code results/runs/}: its
 * checkpoints (one per epoch), its {@code metrics.csv} and its cumulative training time, so
 * that a run interrupted in any epoch continues from its last epoch's checkpoint when the
 * experiment is re-run.
 */
final class ExperimentRuns {

    private static final String SECONDS_FILE = "train-seconds.txt";

    private ExperimentRuns() {}

    /**
     * A finished (or resumed-and-finished) run; its caller closes {@link #run()} when done with the encoder.
     *
     * @param epochs its metrics per epoch, the untrained epoch 0 not included
     * @param trainSeconds wall time of its training over every sitting, checkpoints included
     */
    record Trained(Pretraining run, List<MetricsRow> epochs, double trainSeconds) {
        Encoder queryEncoder() {
            return run.queryEncoder();
        }

        MetricsRow last() {
            return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
        }
    }

    /** The run without training it: the encoder as the seed initialises it. */
    static Pretraining untrained(MocoConfig config, ExperimentData data) {
        return builder(config, data).build();
    }

    /**
     * Trains the run of {@code config} in {@code runDir}, continuing from its checkpoint if an
     * earlier sitting left one.
     *
     * @param listeners made from the run; called after each epoch, after the metrics are recorded and before the
     *     epoch's checkpoint is written
     * @throws dev.moco.core.NonFiniteLossException if the loss or its gradient became non-finite
     */
    static Trained train(MocoConfig config, ExperimentData data, Path runDir,
            Function<Pretraining, List<AfterEpochListener>> listeners, boolean progress, PrintStream err) {
        Path checkpoints = runDir.resolve("checkpoints");
        Path latest = new CheckpointDirectory(checkpoints, 1).latest();
        Pretraining.Builder builder = builder(config, data);
        boolean resuming = Files.isRegularFile(latest);
        Pretraining run;
        if (resuming) {
            try {
                run = builder.resumeFrom(latest).build();
            } catch (CheckpointException e) {
                throw new CheckpointException(e.getMessage() + " (the run in " + runDir
                        + " was started with other settings; delete that directory to start it again)", e);
            }
            err.printf("  continuing from %s (epoch %d of %d)%n", latest, run.start().epoch(), config.getInt(MocoConfig.EPOCHS));
        } else {
            run = builder.build();
        }
        TrainingPosition start = run.start();
        double earlierSeconds = start.globalStep() == 0 ? 0 : readSeconds(runDir);
        MetricsCsv metrics = MetricsCsv.open(runDir.resolve("metrics.csv"), start.globalStep() == 0 ? -1 : start.epoch());
        int epochs = config.getInt(MocoConfig.EPOCHS);
        EpochProgress bar = new EpochProgress(epochs, err);
        if (progress) {
            run.afterStep(bar).afterEpoch(bar);
        }
        listeners.apply(run).forEach(run::afterEpoch);
        run.afterEpoch(metrics);
        long began = System.nanoTime();
        run.afterEpoch(epoch -> writeSeconds(runDir, earlierSeconds + (System.nanoTime() - began) / 1e9));
        run.checkpoints(checkpoints, 1, 0);
        try {
            run.run();
        } catch (RuntimeException e) {
            run.close();   // a run that stopped frees its encoders; a finished one is closed by its caller
            throw e;
        } finally {
            bar.close();
        }
        double seconds = start.epoch() >= epochs ? earlierSeconds : readSeconds(runDir);
        return new Trained(run, metrics.rows(), seconds);
    }

    private static Pretraining.Builder builder(MocoConfig config, ExperimentData data) {
        return Pretraining.configuration(config)
                .data(data.pretraining(), data.directory().toString())
                .normalization(data.normalize());
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
