package dev.moco.core.optim;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * A linear warm-up in front of another schedule, as detectron2's {@code WarmupMultiStepLR}
 * ("linear") and Goyal et al. 2017 start fine-tuning: over the first {@code steps} iterations
 * the rate rises from {@code startFactor} times the schedule's value to the value itself,
 * factor(i) = startFactor · (1 − i/steps) + i/steps; from iteration {@code steps} on it is the
 * schedule's. The first steps of a fresh head are its largest, and a full rate there can push
 * the head and the backbone's BN into a region from which the rest of the schedule does not
 * recover.
 *
 * @param after the schedule the warm-up leads into
 * @param steps iterations of the warm-up (0: none)
 * @param startFactor the factor at iteration 0, in (0, 1]
 */
public record LinearWarmup(ISchedule after, int steps, double startFactor) implements ISchedule {

    public LinearWarmup {
        if (steps < 0 || !(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("a warm-up needs steps >= 0 and a start factor in (0, 1], got " + steps
                    + " and " + startFactor);
        }
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double value = after.valueAt(iteration, epoch);
        if (iteration >= steps) {
            return value;
        }
        double progress = (double) iteration / steps;
        return value * (startFactor * (1 - progress) + progress);
    }

    @Override
    public ISchedule clone() {
        return this;
    }
}
