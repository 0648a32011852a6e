package dev.moco.bench.pretrain;

import dev.moco.core.MocoTrainer;
import dev.moco.core.StepResult;
import dev.moco.core.checkpoint.TrainingPosition;
import dev.moco.core.data.TwoViewBatch;
import dev.moco.core.hooks.AfterEpochListener;
import dev.moco.core.hooks.AfterStepListener;
import dev.moco.core.hooks.EpochReport;
import dev.moco.core.hooks.StepReport;
import java.util.ArrayList;
import java.util.List;

/**
 * The epoch loop: takes batches from a {@link BatchSource}, runs
 * {@link MocoTrainer#step}, and calls the {@link AfterStepListener}s after each step and the
 * {@link AfterEpochListener}s after each epoch's last step, in registration order (progress,
 * kNN monitor, metrics, chart, checkpoint, log line are all listeners).
 *
 * <pre>{@code
 * PretrainRun run = new PretrainRun(setup.trainer(), batches, 5);
 * run.addAfterStepListener(progress);
 * run.addAfterEpochListener(knnMonitor);
 * run.addAfterEpochListener(checkpoints);
 * run.run(position);          // from a checkpoint's position, or TrainingPosition(0, 0, 0, stepsPerEpoch)
 * }</pre>
 *
 * A {@link dev.moco.core.NonFiniteLossException} from the trainer ends the run: it
 * propagates before any listener sees the failed step, so the last checkpoint stays the
 * newest.
 */
public final class PretrainRun {

    private final MocoTrainer trainer;
    private final BatchSource batches;
    private final int epochs;
    private final List<AfterStepListener> stepListeners = new ArrayList<>();
    private final List<AfterEpochListener> epochListeners = new ArrayList<>();
    private EpochTotals totals = new EpochTotals();

    /** @param epochs the epoch the run ends after (1-based) */
    public PretrainRun(MocoTrainer trainer, BatchSource batches, int epochs) {
        this.trainer = trainer;
        this.batches = batches;
        this.epochs = epochs;
    }

    public PretrainRun addAfterStepListener(AfterStepListener listener) {
        stepListeners.add(listener);
        return this;
    }

    public PretrainRun addAfterEpochListener(AfterEpochListener listener) {
        epochListeners.add(listener);
        return this;
    }

    /**
     * Trains from {@code start} to the end of the last epoch.
     *
     * @return the position reached
     */
    public TrainingPosition run(TrainingPosition start) {
        return run(start, new EpochTotals());
    }

    /**
     * Trains from {@code start}, continuing the epoch totals {@code carried} of the steps of
     * {@code start}'s epoch that ran before it (from a mid-epoch checkpoint).
     *
     * @return the position reached
     */
    public TrainingPosition run(TrainingPosition start, EpochTotals carried) {
        long stepsPerEpoch = trainer.stepsPerEpoch();
        if (start.stepsPerEpoch() != stepsPerEpoch) {
            throw new IllegalArgumentException("start position has " + start.stepsPerEpoch()
                    + " steps per epoch, the trainer " + stepsPerEpoch);
        }
        TrainingPosition position = start;
        if (start.epoch() >= epochs) {
            return position;
        }
        totals = carried.copy();
        try (BatchSource.Batches source = batches.open(start)) {
            long before = System.nanoTime();
            while (source.hasNext()) {
                TwoViewBatch batch = source.next();
                StepResult result = trainer.step(batch);
                long now = System.nanoTime();
                long stepNanos = now - before;
                before = now;

                int epoch = batch.epoch() + 1;
                long stepInEpoch = batch.stepInEpoch() + 1;
                totals.add(result, batch.size(), stepNanos);
                StepReport report = new StepReport(epoch, stepInEpoch, stepsPerEpoch, batch.step() + 1, batch.size(),
                        result.loss(), result.accuracy(), result.learningRate(), stepNanos);
                position = new TrainingPosition(batch.epoch(), stepInEpoch, batch.step() + 1, stepsPerEpoch);
                for (AfterStepListener listener : stepListeners) {
                    listener.afterStep(report);
                }
                if (stepInEpoch == stepsPerEpoch) {
                    position = new TrainingPosition(epoch, 0, batch.step() + 1, stepsPerEpoch);
                    EpochReport epochReport = totals.report(epoch, batch.step() + 1);
                    totals = new EpochTotals();   // before the listeners: an epoch-end checkpoint starts the next epoch empty
                    for (AfterEpochListener listener : epochListeners) {
                        listener.afterEpoch(epochReport);
                    }
                    // listeners (kNN evaluation, checkpoint) do not count against the next step
                    before = System.nanoTime();
                }
            }
        }
        return position;
    }

    /** The totals of the epoch in progress (a copy), for a mid-epoch checkpoint. */
    public EpochTotals epochTotals() {
        return totals.copy();
    }
}
