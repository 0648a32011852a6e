package dev.moco.core.optim;

import org.nd4j.linalg.schedule.ISchedule;

/**
 * The cosine learning-rate schedule of MoCo v2 (Chen et al. 2020, after Loshchilov &amp;
 * Hutter 2016), per epoch as in the reference code: lr(e) = lr0 · ½(1 + cos(π·e/E)).
 */
public record CosineSchedule(double initialValue, int epochs) implements ISchedule {

    public CosineSchedule {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return initialValue * 0.5 * (1 + Math.cos(Math.PI * epoch / epochs));
    }

    @Override
    public ISchedule clone() {
        return this;
    }
}
