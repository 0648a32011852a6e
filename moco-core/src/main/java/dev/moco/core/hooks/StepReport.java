package dev.moco.core.hooks;

import dev.moco.core.checkpoint.TrainingPosition;

/**
 * What an {@link AfterStepListener} learns about one finished training step.
 *
 * @param position where the run stands after this step: the epoch in progress (from 0), the
 *     steps of it done (this one included, so {@code stepsPerEpoch} after an epoch's last
 *     step), and the global steps done
 * @param images images (queries) in the step's batch
 * @param loss the contrastive loss of the step
 * @param pretextAccuracy the fraction of queries whose positive key won
 * @param learningRate the learning rate the step used
 * @param stepNanos wall time of the step, loading the batch included
 */
public record StepReport(TrainingPosition position, int images, double loss, double pretextAccuracy,
        double learningRate, long stepNanos) {

    /** {@return whether this was the last step of its epoch} */
    public boolean endsEpoch() {
        return position.stepInEpoch() == position.stepsPerEpoch();
    }

    /**
     * @deprecated for moco-bench's pretrain package until it moves onto the library's run
     *     package; 1-based epoch
     */
    @Deprecated(forRemoval = true)
    public StepReport(int epoch, long stepInEpoch, long stepsPerEpoch, long globalStep, int images,
            double loss, double pretextAccuracy, double learningRate, long stepNanos) {
        this(new TrainingPosition(epoch - 1, stepInEpoch, globalStep, stepsPerEpoch), images, loss, pretextAccuracy,
                learningRate, stepNanos);
    }

    /** @deprecated see the deprecated constructor; the epoch from 1 */
    @Deprecated(forRemoval = true)
    public int epoch() {
        return position.epoch() + 1;
    }

    /** @deprecated see the deprecated constructor */
    @Deprecated(forRemoval = true)
    public long stepInEpoch() {
        return position.stepInEpoch();
    }

    /** @deprecated see the deprecated constructor */
    @Deprecated(forRemoval = true)
    public long stepsPerEpoch() {
        return position.stepsPerEpoch();
    }

    /** @deprecated see the deprecated constructor */
    @Deprecated(forRemoval = true)
    public long globalStep() {
        return position.globalStep();
    }
}
