package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FloatExpTest {

    @Test
    void agreesWithMathExpToFloatPrecisionOverTheWholeNormalRange() {
        SplittableRandom random = new SplittableRandom(3);
        double worst = 0;
        for (int i = 0; i < 2_000_000; i++) {
            float x = i < 1_000_000 ? (float) random.nextDouble(FloatExp.SMALLEST, 0) : (float) random.nextDouble(-20, 0);
            double exact = Math.exp(x);
            worst = Math.max(worst, Math.abs(FloatExp.ofNonPositive(x) - exact) / exact);
        }
        assertThat(worst).isLessThan(2.5e-7);
    }

    @Test
    void isExactAtZeroAndAtPowersOfTwoAndZeroBelowTheNormalRange() {
        assertThat(FloatExp.ofNonPositive(0f)).isEqualTo(1f);
        assertThat(FloatExp.ofNonPositive(-0f)).isEqualTo(1f);
        assertThat((double) FloatExp.ofNonPositive((float) (-10 * Math.log(2)))).isCloseTo(Math.pow(2, -10),
                org.assertj.core.api.Assertions.within(2.5e-7 * Math.pow(2, -10)));
        assertThat(FloatExp.ofNonPositive(FloatExp.SMALLEST)).isGreaterThan(0f);
        assertThat(FloatExp.ofNonPositive(-88f)).isZero();
        assertThat(FloatExp.ofNonPositive(Float.NEGATIVE_INFINITY)).isZero();
    }
}
