package dev.moco.core.run.internal;

import dev.moco.core.MocoTrainer;
import dev.moco.core.NonFiniteLossException;
import dev.moco.core.StepResult;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.data.TwoViewBatch;
import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.AfterStepListener;
import dev.moco.core.run.EpochReport;
import dev.moco.core.run.StepReport;
import dev.moco.core.run.ListenerFailedException;
import java.util.ArrayList;
import java.util.List;

/**
 * The epoch loop: takes batches from a {@link BatchSource}, runs {@link MocoTrainer#step} at
 * each batch's position, and calls the {@link AfterStepListener}s after each step and the
 * {@link AfterEpochListener}s after each epoch's last step, in registration order (progress,
 * kNN monitor, metrics, chart, checkpoint, log line are all listeners).
 *
 * <pre>{@code
 * EpochLoop loop = new EpochLoop(trainer, batches, stepsPerEpoch, 5);
 * loop.addAfterStepListener(progress);
 * loop.addAfterEpochListener(checkpoints);
 * TrainingPosition end = loop.run(TrainingPosition.start(stepsPerEpoch));
 * }</pre>
 *
 * A {@link NonFiniteLossException} from the trainer ends the run before any listener sees
 * the failed step, so the last checkpoint stays the newest. A listener that throws ends it
 * with a {@link ListenerFailedException} naming the listener; the listeners after it are
 * not called.
 */
public final class EpochLoop {

    private final MocoTrainer trainer;
    private final BatchSource batches;
    private final long stepsPerEpoch;
    private final int epochs;
    private final List<AfterStepListener> stepListeners = new ArrayList<>();
    private final List<AfterEpochListener> epochListeners = new ArrayList<>();
    private EpochAccumulator totals = new EpochAccumulator();

    /**
     * @param trainer the step
     * @param batches where the batches come from
     * @param stepsPerEpoch steps in one epoch
     * @param epochs the epoch the run ends after (1-based)
     */
    public EpochLoop(MocoTrainer trainer, BatchSource batches, long stepsPerEpoch, int epochs) {
        this.trainer = trainer;
        this.batches = batches;
        this.stepsPerEpoch = stepsPerEpoch;
        this.epochs = epochs;
    }

    /**
     * @param listener called after every step, after the listeners added before it
     * @return this loop
     */
    public EpochLoop addAfterStepListener(AfterStepListener listener) {
        stepListeners.add(listener);
        return this;
    }

    /**
     * @param listener called after every epoch, after the listeners added before it
     * @return this loop
     */
    public EpochLoop addAfterEpochListener(AfterEpochListener listener) {
        epochListeners.add(listener);
        return this;
    }

    /** {@return the steps in one epoch} */
    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /**
     * Trains from {@code start} to the end of the last epoch.
     *
     * @param start the position of the first step (a checkpoint's, or the beginning)
     * @return the position reached
     */
    public TrainingPosition run(TrainingPosition start) {
        return run(start, new EpochAccumulator());
    }

    /**
     * Trains from {@code start}, continuing the epoch totals {@code carried} of the steps of
     * {@code start}'s epoch that ran before it (from a mid-epoch checkpoint).
     *
     * @param start the position of the first step
     * @param carried the totals of the steps of {@code start}'s epoch already taken
     * @return the position reached
     */
    public TrainingPosition run(TrainingPosition start, EpochAccumulator carried) {
        if (start.stepsPerEpoch() != stepsPerEpoch) {
            throw new IllegalArgumentException("start position has " + start.stepsPerEpoch()
                    + " steps per epoch, the run " + stepsPerEpoch);
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
                TrainingPosition at = new TrainingPosition(batch.epoch(), batch.stepInEpoch(), batch.step(), stepsPerEpoch);
                StepResult result = trainer.step(batch, at);
                long now = System.nanoTime();
                long stepNanos = now - before;
                before = now;

                int images = batch.size() * trainer.collective().workers();    // the global batch: all workers' rows
                totals.add(result, images, stepNanos);
                position = new TrainingPosition(at.epoch(), at.stepInEpoch() + 1, at.globalStep() + 1, stepsPerEpoch);
                StepReport report = new StepReport(position, images, result.loss(), result.accuracy(),
                        result.learningRate(), stepNanos);
                for (int i = 0; i < stepListeners.size(); i++) {
                    AfterStepListener listener = stepListeners.get(i);
                    try {
                        listener.afterStep(report);
                    } catch (RuntimeException e) {
                        throw new ListenerFailedException("after-step listener " + (i + 1) + " ("
                                + ListenerFailedException.describe(listener) + ")", "after step " + position.globalStep(), position, e);
                    }
                }
                if (report.endsEpoch()) {
                    position = new TrainingPosition(at.epoch() + 1, 0, at.globalStep() + 1, stepsPerEpoch);
                    EpochReport epochReport = totals.report(position);
                    totals = new EpochAccumulator();   // before the listeners: an epoch-end checkpoint starts the next epoch empty
                    for (int i = 0; i < epochListeners.size(); i++) {
                        AfterEpochListener listener = epochListeners.get(i);
                        try {
                            listener.afterEpoch(epochReport);
                        } catch (RuntimeException e) {
                            throw new ListenerFailedException("after-epoch listener " + (i + 1) + " ("
                                    + ListenerFailedException.describe(listener) + ")", "after epoch " + position.epoch(), position, e);
                        }
                    }
                    // listeners (kNN evaluation, checkpoint) do not count against the next step
                    before = System.nanoTime();
                }
            }
        }
        return position;
    }

    /** {@return the totals of the epoch in progress (a copy), for a mid-epoch checkpoint} */
    public EpochAccumulator epochTotals() {
        return totals.copy();
    }
}
