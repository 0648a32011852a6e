package dev.moco.core.data.augment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.kit.SplitMix64;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The row-by-row blur against the plain per-pixel definition. */
class GaussianBlurTest {

    /**
     * The definition: the normalised Gaussian kernel, reflect padding, horizontal then
     * vertical, each output summing its taps in order from 0, one pixel at a time.
     */
    private static float[] perPixelBlur(float[] image, int channels, int height, int width, double sigma) {
        int radius = GaussianBlur.radius(sigma);
        int taps = 2 * radius + 1;
        float[] kernel = new float[taps];
        GaussianBlur.kernel(sigma, kernel);
        float[] horizontal = new float[image.length];
        float[] out = new float[image.length];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float sum = 0f;
                    for (int t = 0; t < taps; t++) {
                        sum += kernel[t] * image[(c * height + y) * width + GaussianBlur.reflect(x - radius + t, width)];
                    }
                    horizontal[(c * height + y) * width + x] = sum;
                }
            }
        }
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float sum = 0f;
                    for (int t = 0; t < taps; t++) {
                        sum += kernel[t] * horizontal[(c * height + GaussianBlur.reflect(y - radius + t, height)) * width + x];
                    }
                    out[(c * height + y) * width + x] = sum;
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}x{1}x{2}, sigma {3}")
    @CsvSource({"1, 28, 28, 0.25", "3, 7, 9, 1.0", "3, 64, 48, 0.57", "3, 40, 40, 2.0", "1, 5, 3, 2.0", "2, 1, 6, 0.5"})
    void equalsThePerPixelDefinitionBitForBit(int channels, int height, int width, double sigma) {
        ImageBuffer image = new ImageBuffer();
        float[] px = image.reset(channels, height, width);
        SplitMix64 random = new SplitMix64(height * 31L + width);
        for (int i = 0; i < channels * height * width; i++) {
            px[i] = (float) random.nextDouble();
        }
        float[] expected = perPixelBlur(Arrays.copyOf(px, channels * height * width), channels, height, width, sigma);
        GaussianBlur.blur(image, sigma);
        // the same products summed in the same order: not merely close, equal
        assertThat(Arrays.copyOf(image.pixels(), image.length())).containsExactly(expected);
    }

    @Test
    void aSmallerImageAfterALargerOneIsBlurredWithItsOwnRows() {
        ImageBuffer image = new ImageBuffer();
        Arrays.fill(image.reset(3, 50, 60), 0.9f);
        GaussianBlur.blur(image, 2.0);
        float[] px = image.reset(1, 6, 4);
        for (int i = 0; i < 24; i++) {
            px[i] = i / 24f;
        }
        float[] expected = perPixelBlur(Arrays.copyOf(px, 24), 1, 6, 4, 0.8);
        GaussianBlur.blur(image, 0.8);
        assertThat(Arrays.copyOf(image.pixels(), 24)).containsExactly(expected);
    }
}
