package dev.moco.core.run;

/**
 * What an {@link AfterStepListener} learns about one finished training step.
 *
 * @param position where the run stands after this step: the epoch in progress (from 0), the
 *     steps of it done (this one included, so {@code stepsPerEpoch} after an epoch's last
 *     step), and the global steps done
 * @param images images (queries) in the step's global batch, N (over all workers of a data-parallel run)
 * @param loss the contrastive loss of the step, the mean over the global batch
 * @param pretextAccuracy the fraction of the global batch's queries whose positive key won
 * @param learningRate the learning rate the step used
 * @param stepNanos wall time of the step, loading the batch included
 */
public record StepReport(TrainingPosition position, int images, double loss, double pretextAccuracy,
        double learningRate, long stepNanos) {

    /** {@return whether this was the last step of its epoch} */
    public boolean endsEpoch() {
        return position.stepInEpoch() == position.stepsPerEpoch();
    }
}
