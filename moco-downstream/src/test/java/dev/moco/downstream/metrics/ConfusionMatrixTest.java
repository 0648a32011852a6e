package dev.moco.downstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

    @Test
    void perClassIouAndMeanOverClassesPresentInTruthOrPrediction() {
        ConfusionMatrix m = new ConfusionMatrix(4);
        // truth:      0 0 0 0 1 1 2 2
        // prediction: 0 0 0 1 1 1 2 0
        m.add(new int[] {0, 0, 0, 0, 1, 1, 2, 2}, new int[] {0, 0, 0, 1, 1, 1, 2, 0});
        SegmentationScores s = m.scores();
        // class 0: TP 3, FP 1 (a 2 called 0), FN 1 -> 3/5; class 1: TP 2, FP 1 -> 2/3;
        // class 2: TP 1, FN 1 -> 1/2; class 3 absent from both -> NaN, left out of the mean
        assertThat(s.classIou()[0]).isCloseTo(3.0 / 5, within(1e-12));
        assertThat(s.classIou()[1]).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(s.classIou()[2]).isCloseTo(1.0 / 2, within(1e-12));
        assertThat(s.classIou()[3]).isNaN();
        assertThat(s.meanIou()).isCloseTo((3.0 / 5 + 2.0 / 3 + 1.0 / 2) / 3, within(1e-12));
        assertThat(s.pixelAccuracy()).isCloseTo(6.0 / 8, within(1e-12));
    }

    @Test
    void aClassOnlyPredictedCountsWithIouZero() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        m.add(new int[] {0, 0}, new int[] {0, 2});
        SegmentationScores s = m.scores();
        assertThat(s.classIou()[2]).isZero();
        assertThat(s.classIou()[1]).isNaN();
        assertThat(s.meanIou()).isCloseTo((0.5 + 0.0) / 2, within(1e-12));
    }

    @Test
    void accumulatesOverCalls() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        m.add(new int[] {1}, new int[] {1});
        m.add(new int[] {1, 0}, new int[] {0, 0});
        assertThat(m.count(1, 0)).isEqualTo(1);
        assertThat(m.scores().classIou()[1]).isCloseTo(1.0 / 2, within(1e-12));
    }

    @Test
    void labelsOutsideTheClassRangeAreRejectedWithThePixel() {
        ConfusionMatrix m = new ConfusionMatrix(11);
        assertThatThrownBy(() -> m.add(new int[] {0, 11}, new int[] {0, 0}))
                .hasMessageContaining("pixel 1").hasMessageContaining("[0, 11)");
    }
}
