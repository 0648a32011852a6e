package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FineTuneSettingsTest {

    private static FineTuneSettings schedule(int epochs, int multiple) {
        return new FineTuneSettings(epochs, 16, 0.02, 0.9, 1e-4, 32, 0, multiple);
    }

    @Test
    void aTwoTimesScheduleDoublesTheEpochsAndEveryMilestoneOfTheOneTimesSchedule() {
        // 1x of 4 epochs: floor(20/8) = 2, floor(28/8) = 3
        assertThat(schedule(4, 1).milestones()).containsExactly(2, 3);
        // 2x: 8 epochs, the milestones 4 and 6 (as detectron2's: 1x 90k at 60k, 80k; 2x 180k at 120k, 160k)
        assertThat(schedule(8, 2).milestones()).containsExactly(4, 6);
        // a 1x schedule of 8 epochs is another schedule: floor(40/8) = 5, floor(56/8) = 7
        assertThat(new FineTuneSettings(8, 16, 0.02, 0.9, 1e-4, 32, 0).milestones()).containsExactly(5, 7);
        // 16 epochs: 10 and 14, so the last third (from epoch 11) runs at the lowered rate
        assertThat(schedule(16, 1).milestones()).containsExactly(10, 14);
        assertThat((double) schedule(16, 1).milestones()[0]).isLessThan(2 * 16 / 3.0);
        // 3x of 2 epochs: 1x milestones floor(10/8) = 1 and floor(14/8) = 1, once, times 3
        assertThat(schedule(6, 3).milestones()).containsExactly(3);
        // 1 epoch: no milestone at any length
        assertThat(schedule(2, 2).milestones()).isEmpty();
    }

    @Test
    void theLearningRatesAreTheWarmUpThenTheStepSchedule() {
        // 16 epochs at lr 0.01 (milestones 10 and 14), warm-up 100 steps: 0.01 * (0.001 (1 - i/100) + i/100)
        var rates = new FineTuneSettings(16, 16, 0.01, 0.9, 1e-4, 32, 0, 1, 100).learningRates();
        assertThat(rates.valueAt(0, 0)).isCloseTo(1e-5, within(1e-15));
        assertThat(rates.valueAt(50, 0)).isCloseTo(0.01 * (0.001 * 0.5 + 0.5), within(1e-15));
        assertThat(rates.valueAt(100, 0)).isEqualTo(0.01);
        assertThat(rates.valueAt(1300, 10)).isCloseTo(0.001, within(1e-15));
        assertThat(rates.valueAt(1900, 14)).isCloseTo(0.0001, within(1e-15));
        // without warm-up, the step schedule from the first step
        assertThat(schedule(16, 1).learningRates().valueAt(0, 0)).isEqualTo(0.02);
        assertThatThrownBy(() -> new FineTuneSettings(16, 16, 0.01, 0.9, 1e-4, 32, 0, 1, -1))
                .hasMessageContaining("warm-up steps must be >= 0");
    }

    @Test
    void aScheduleNeedsAWholeMultipleOfEpochs() {
        assertThatThrownBy(() -> schedule(7, 2)).hasMessage("a 2x schedule needs a whole multiple of 2 epochs (that many"
                + " times the 1x epochs), got 7");
        assertThatThrownBy(() -> schedule(4, 0)).hasMessageContaining("a 0x schedule");
    }

    @Test
    void aScheduleNameIsAWholeMultipleOfTheOneTimesSchedule() {
        assertThat(FineTuneSettings.scheduleMultiple("1x")).isEqualTo(1);
        assertThat(FineTuneSettings.scheduleMultiple(" 2X ")).isEqualTo(2);
        assertThat(FineTuneSettings.scheduleMultiple("3")).isEqualTo(3);
        for (String wrong : new String[] {"1.5x", "0x", "x", "-1x"}) {
            assertThatThrownBy(() -> FineTuneSettings.scheduleMultiple(wrong))
                    .hasMessage("a schedule is 1x, 2x, ... (a whole multiple of the 1x schedule), got '" + wrong + "'");
        }
    }
}
