package dev.moco.core.hooks;

/**
 * What an {@link AfterStepListener} learns about one finished training step.
 *
 * @param epoch the epoch, from 1
 * @param stepInEpoch the step within the epoch, from 1 (the number of steps of this epoch done)
 * @param stepsPerEpoch steps in one epoch
 * @param globalStep steps done since the run began, this one included
 * @param images images (queries) in the step's batch
 * @param loss the contrastive loss of the step
 * @param pretextAccuracy the fraction of queries whose positive key won
 * @param learningRate the learning rate the step used
 * @param stepNanos wall time of the step, loading the batch included
 */
public record StepReport(int epoch, long stepInEpoch, long stepsPerEpoch, long globalStep, int images,
        double loss, double pretextAccuracy, double learningRate, long stepNanos) {}
