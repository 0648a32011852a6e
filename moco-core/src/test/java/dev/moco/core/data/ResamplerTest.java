package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moco.api.kit.SplitMix64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    private static float[] randomImage(int length, long seed) {
        SplitMix64 random = new SplitMix64(seed);
        float[] image = new float[length];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) random.nextDouble();
        }
        return image;
    }

    /**
     * One output of Pillow's separable triangle filter computed directly in double: weights
     * max(0, 1 - |(i + 0.5 - centre) / filterScale|) over the region, normalised.
     */
    private static double[][] triangleWeights(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double[][] weights = new double[outSize][inSize];
        for (int o = 0; o < outSize; o++) {
            double centre = (o + 0.5) * scale;
            double total = 0;
            for (int i = 0; i < inSize; i++) {
                double w = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / filterScale));
                weights[o][i] = w;
                total += w;
            }
            for (int i = 0; i < inSize; i++) {
                weights[o][i] /= total;
            }
        }
        return weights;
    }

    @ParameterizedTest(name = "region {2}x{3} at ({0}, {1}) to {4}x{5}")
    @CsvSource({
        "3, 5, 11, 17, 28, 28",   // upsampling: three taps per output
        "0, 0, 20, 30, 6, 8",     // shrinking by 3-4: wider filters
        "2, 4, 9, 13, 9, 13",     // same size
        "4, 7, 1, 2, 5, 7",       // a region narrower than the filter: the general tap loop
        "1, 1, 15, 3, 4, 10"})
    void matchesTheTriangleFilterComputedDirectly(int top, int left, int regionHeight, int regionWidth,
            int outHeight, int outWidth) {
        int channels = 3;
        int height = 20;
        int width = 30;
        float[] src = randomImage(channels * height * width, 5);
        float[] dst = new float[channels * outHeight * outWidth];
        resampler.resize(src, 0, channels, height, width, top, left, regionHeight, regionWidth, dst, 0, outHeight, outWidth);
        double[][] rows = triangleWeights(regionHeight, outHeight);
        double[][] columns = triangleWeights(regionWidth, outWidth);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outHeight; y++) {
                for (int x = 0; x < outWidth; x++) {
                    double expected = 0;
                    for (int i = 0; i < regionHeight; i++) {
                        for (int j = 0; j < regionWidth; j++) {
                            expected += rows[y][i] * columns[x][j] * src[(c * height + top + i) * width + left + j];
                        }
                    }
                    assertThat(dst[(c * outHeight + y) * outWidth + x]).isCloseTo((float) expected, within(1e-5f));
                }
            }
        }
    }

    @Test
    void resizingARegionEqualsCroppingItFirstBitForBit() {
        int channels = 3;
        float[] src = randomImage(channels * 20 * 30, 9);
        int top = 3;
        int left = 5;
        int regionHeight = 12;
        int regionWidth = 17;
        float[] crop = new float[channels * regionHeight * regionWidth];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < regionHeight; y++) {
                System.arraycopy(src, (c * 20 + top + y) * 30 + left, crop, (c * regionHeight + y) * regionWidth, regionWidth);
            }
        }
        for (int[] out : new int[][] {{28, 28}, {5, 6}, {12, 17}, {1, 40}}) {
            float[] fused = new float[channels * out[0] * out[1]];
            float[] separate = new float[fused.length];
            resampler.resize(src, 0, channels, 20, 30, top, left, regionHeight, regionWidth, fused, 0, out[0], out[1]);
            new Resampler().resize(crop, 0, channels, regionHeight, regionWidth, 0, 0, regionHeight, regionWidth,
                    separate, 0, out[0], out[1]);
            assertThat(fused).as("%dx%d", out[0], out[1]).containsExactly(separate);
        }
    }
}
