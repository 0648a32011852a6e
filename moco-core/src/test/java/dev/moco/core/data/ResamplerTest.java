package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ResamplerTest {

    private final Resampler resampler = new Resampler();

    @Test
    void sameSizeIsIdentity() {
        float[] src = new float[2 * 3 * 5];
        for (int i = 0; i < src.length; i++) {
            src[i] = i * 0.01f;
        }
        float[] dst = new float[src.length];
        resampler.resize(src, 0, 2, 3, 5, 0, 0, 3, 5, dst, 0, 3, 5);
        assertThat(dst).containsExactly(src, within(1e-6f));
    }

    @Test
    void constantStaysConstantAtAnyScale() {
        float[] src = new float[10 * 10];
        java.util.Arrays.fill(src, 0.3f);
        for (int size : new int[] {1, 3, 7, 10, 23}) {
            float[] dst = new float[size * size];
            resampler.resize(src, 0, 1, 10, 10, 1, 2, 7, 5, dst, 0, size, size);
            for (float v : dst) {
                assertThat(v).isCloseTo(0.3f, within(1e-6f));
            }
        }
    }

    @Test
    void halvingAveragesWithAWidenedTriangle() {
        float[] src = {0f, 1f, 0.2f, 0.6f};
        float[] dst = new float[2];
        resampler.resize(src, 0, 1, 1, 4, 0, 0, 1, 4, dst, 0, 1, 2);
        // shrinking by 2 widens Pillow's triangle filter to radius 2: output 0 (centre 1.0)
        // weighs input centres 0.5, 1.5, 2.5 by 0.75, 0.75, 0.25 (renormalised at the edge)
        assertThat(dst[0]).isCloseTo((0.75f * 0f + 0.75f * 1f + 0.25f * 0.2f) / 1.75f, within(1e-6f));
        // output 1 (centre 3.0): input centres 1.5, 2.5, 3.5 with 0.25, 0.75, 0.75
        assertThat(dst[1]).isCloseTo((0.25f * 1f + 0.75f * 0.2f + 0.75f * 0.6f) / 1.75f, within(1e-6f));
    }

    @Test
    void doublingInterpolatesBetweenCentres() {
        float[] src = {0f, 1f};
        float[] dst = new float[4];
        resampler.resize(src, 0, 1, 1, 2, 0, 0, 1, 2, dst, 0, 1, 4);
        // output centres at 0.25, 0.75, 1.25, 1.75 input pixels; edges clamp
        assertThat(dst).containsExactly(new float[] {0f, 0.25f, 0.75f, 1f}, within(1e-6f));
    }

    @Test
    void regionIsCroppedBeforeResizing() {
        float[] src = new float[4 * 4];
        for (int i = 0; i < 16; i++) {
            src[i] = i;
        }
        float[] dst = new float[4];
        resampler.resize(src, 0, 1, 4, 4, 1, 2, 2, 2, dst, 0, 2, 2);
        assertThat(dst).containsExactly(new float[] {6f, 7f, 10f, 11f}, within(1e-5f));
        assertThatThrownBy(() -> resampler.resize(src, 0, 1, 4, 4, 3, 3, 2, 2, dst, 0, 2, 2))
                .hasMessageContaining("invalid resize");
    }
}
