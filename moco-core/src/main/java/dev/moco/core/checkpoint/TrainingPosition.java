package dev.moco.core.checkpoint;

/**
 * Where a run stands: the data loader resumes from {@code (epoch, stepInEpoch)}, the
 * learning-rate schedule and every per-step random choice from {@code globalStep}.
 *
 * @param epoch the epoch in progress, from 0 ({@code stepInEpoch == 0} means it has not begun)
 * @param stepInEpoch steps of {@code epoch} already taken
 * @param globalStep steps taken since the run began
 * @param stepsPerEpoch steps in one epoch; a resumed run must have the same
 */
public record TrainingPosition(int epoch, long stepInEpoch, long globalStep, long stepsPerEpoch) {

    public TrainingPosition {
        if (epoch < 0 || stepInEpoch < 0 || globalStep < 0 || stepsPerEpoch <= 0) {
            throw new IllegalArgumentException("invalid training position: epoch " + epoch
                    + ", step-in-epoch " + stepInEpoch + ", global step " + globalStep
                    + ", steps per epoch " + stepsPerEpoch);
        }
        if (stepInEpoch > stepsPerEpoch) {
            throw new IllegalArgumentException("step-in-epoch " + stepInEpoch
                    + " exceeds the " + stepsPerEpoch + " steps of an epoch");
        }
    }

    /** Number of whole epochs already done. */
    public int completedEpochs() {
        return epoch;
    }
}
