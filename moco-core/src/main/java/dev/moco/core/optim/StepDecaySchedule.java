package dev.moco.core.optim;

import java.util.Arrays;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The step schedule of MoCo v1 (He et al. 2020, Sec. 4.1): the learning rate is multiplied
 * by {@code gamma} (0.1) at each milestone epoch (120 and 160 of 200).
 */
public record StepDecaySchedule(double initialValue, int[] milestones, double gamma) implements ISchedule {

    public StepDecaySchedule {
        milestones = milestones.clone();
        Arrays.sort(milestones);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double value = initialValue;
        for (int milestone : milestones) {
            if (epoch >= milestone) {
                value *= gamma;
            }
        }
        return value;
    }

    @Override
    public ISchedule clone() {
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StepDecaySchedule s && s.initialValue == initialValue && s.gamma == gamma
                && Arrays.equals(s.milestones, milestones);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(milestones) + Double.hashCode(initialValue) + Double.hashCode(gamma);
    }

    @Override
    public String toString() {
        return "StepDecaySchedule[" + initialValue + ", milestones=" + Arrays.toString(milestones) + ", gamma=" + gamma + "]";
    }
}
