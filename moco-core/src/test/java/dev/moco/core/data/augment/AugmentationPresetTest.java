package dev.moco.core.data.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AugmentationPresetTest {

    @Test
    void blurSigmaIsThePapersAt224PixelsAndScaledWithTheViewSize() {
        assertThat(AugmentationPreset.blurScale(224, 224)).isEqualTo(1.0);
        assertThat(AugmentationPreset.blurScale(28, 28) * 2.0).isCloseTo(0.25, within(1e-12));
        assertThat(AugmentationPreset.blurScale(32, 48)).isCloseTo(32 / 224.0, within(1e-12));
    }

    @Test
    void aTinySigmaLeavesAnImageAlmostUnchanged() {
        ImageBuffer buffer = new ImageBuffer();
        buffer.reset(1, 7, 7)[24] = 1;
        GaussianBlur.blur(buffer, 0.0125);
        assertThat(buffer.pixels()[24]).isCloseTo(1f, within(1e-6f));
    }
}
