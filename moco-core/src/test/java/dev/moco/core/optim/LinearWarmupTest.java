package dev.moco.core.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LinearWarmupTest {

    @Test
    void theRateRisesLinearlyFromTheStartFactorToTheScheduleThenFollowsIt() {
        // lr 0.01, /10 from epoch 2; warm-up over 4 iterations from 0.001 of the rate
        LinearWarmup warmup = new LinearWarmup(new StepDecaySchedule(0.01, new int[] {2}, 0.1), 4, 0.001);
        // factor(i) = 0.001 (1 - i/4) + i/4: 0.001, 0.25075, 0.5005, 0.75025, then 1
        assertThat(warmup.valueAt(0, 0)).isCloseTo(0.01 * 0.001, within(1e-15));
        assertThat(warmup.valueAt(1, 0)).isCloseTo(0.01 * 0.25075, within(1e-15));
        assertThat(warmup.valueAt(2, 0)).isCloseTo(0.01 * 0.5005, within(1e-15));
        assertThat(warmup.valueAt(3, 0)).isCloseTo(0.01 * 0.75025, within(1e-15));
        assertThat(warmup.valueAt(4, 0)).isEqualTo(0.01);
        assertThat(warmup.valueAt(100, 1)).isEqualTo(0.01);
        assertThat(warmup.valueAt(200, 2)).isCloseTo(0.001, within(1e-15));
        // a warm-up reaching into a dropped rate scales that rate
        assertThat(new LinearWarmup(new StepDecaySchedule(0.01, new int[] {0}, 0.1), 2, 0.5).valueAt(1, 0))
                .isCloseTo(0.001 * 0.75, within(1e-15));
    }

    @Test
    void noWarmUpIsTheScheduleItself() {
        StepDecaySchedule steps = new StepDecaySchedule(0.02, new int[] {5, 7}, 0.1);
        LinearWarmup none = new LinearWarmup(steps, 0, 0.001);
        for (int i = 0; i < 50; i++) {
            assertThat(none.valueAt(i, i / 8)).isEqualTo(steps.valueAt(i, i / 8));
        }
        assertThatThrownBy(() -> new LinearWarmup(steps, -1, 0.001)).hasMessageContaining("steps >= 0");
        assertThatThrownBy(() -> new LinearWarmup(steps, 10, 0)).hasMessageContaining("start factor in (0, 1]");
    }
}
