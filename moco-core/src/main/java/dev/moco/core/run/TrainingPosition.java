package dev.moco.core.run;

import java.io.Serializable;

/**
 * Where a run stands: the data loader resumes from {@code (epoch, stepInEpoch)}, the
 * learning-rate schedule and every per-step random choice from {@code globalStep}. The one
 * position type of a run: the trainer takes it, listeners are told it, checkpoints record it,
 * a distributed run's workers send it to their driver.
 *
 * @param epoch the epoch in progress, from 0 ({@code stepInEpoch == 0} means it has not begun);
 *     after an epoch's end, the number of epochs done
 * @param stepInEpoch steps of {@code epoch} already taken
 * @param globalStep steps taken since the run began
 * @param stepsPerEpoch steps in one epoch; a resumed run must have the same
 *
 * @serial exclude (serialised only between a distributed run's driver and its workers, never stored)
 */
public record TrainingPosition(int epoch, long stepInEpoch, long globalStep, long stepsPerEpoch) implements Serializable {

    /**
     * @param epoch the epoch in progress, from 0
     * @param stepInEpoch steps of it already taken, at most {@code stepsPerEpoch}
     * @param globalStep steps taken since the run began
     * @param stepsPerEpoch steps in one epoch, at least 1
     * @throws IllegalArgumentException naming the fields if they are negative or inconsistent
     */
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

    /**
     * @param stepsPerEpoch steps in one epoch
     * @return the position before a run's first step
     */
    public static TrainingPosition start(long stepsPerEpoch) {
        return new TrainingPosition(0, 0, 0, stepsPerEpoch);
    }

    /** {@return the number of whole epochs already done} */
    public int completedEpochs() {
        return epoch;
    }
}
