package dev.moco.core.data.augment;

import dev.moco.core.data.FloatRows;
import dev.moco.api.kit.SplitMix64;
import java.util.Arrays;

/**
 * Blurs with a Gaussian of random standard deviation sigma ~ U[minSigma, maxSigma] pixels:
 * MoCo v2's blur augmentation (Chen et al., arXiv:2003.04297, from SimCLR, Chen et al.
 * arXiv:2002.05709), {@code sigma in [0.1, 2.0]}, applied with p = 0.5 (wrap it in
 * {@link RandomApply}). Separable, truncated at 3 sigma, with reflect padding (as
 * torchvision's {@code GaussianBlur}), so a constant image stays constant and the mean of
 * any image is nearly preserved.
 *
 * <p>The paper's sigmas are in pixels of 224x224 crops; on small images (28x28) a sigma of 2
 * is a strong blur, so a smaller range may suit them better.
 */
public final class GaussianBlur implements Augmentation {

    private final double minSigma;
    private final double maxSigma;

    /** The MoCo v2 range, sigma in [0.1, 2.0]. */
    public GaussianBlur() {
        this(0.1, 2.0);
    }

    public GaussianBlur(double minSigma, double maxSigma) {
        if (!(minSigma > 0 && minSigma <= maxSigma)) {
            throw new IllegalArgumentException("sigma range must satisfy 0 < min <= max, got ("
                    + minSigma + ", " + maxSigma + ")");
        }
        this.minSigma = minSigma;
        this.maxSigma = maxSigma;
    }

    @Override
    public void apply(ImageBuffer image, SplitMix64 random) {
        blur(image, random.uniform(minSigma, maxSigma));
    }

    /**
     * Blurs {@code image} in place with standard deviation {@code sigma} pixels.
     *
     * <p>Both passes run tap by tap over whole rows held in separate arrays ({@code out[x] +=
     * k[t] * in[x]}, the input row shifted by t; see {@link FloatRows}), which the JIT
     * vectorises; each output still sums its taps in order t = 0, 1, ... from 0, so the result
     * is the same as summing tap by tap per pixel.
     */
    static void blur(ImageBuffer image, double sigma) {
        int radius = radius(sigma);
        int taps = 2 * radius + 1;
        int height = image.height();
        int width = image.width();
        int channels = image.channels();
        float[] kernel = image.line(taps);
        kernel(sigma, kernel);
        int rowCount = channels * height;
        float[][] rows = image.rows(rowCount + 2, width + 2 * radius); // the horizontal pass's output, then two lines
        float[] padded = rows[rowCount];   // padded[radius + i] is pixel i of the row, reflected outside [0, width)
        float[] shifted = rows[rowCount + 1];
        float[] px = image.pixels();
        // horizontal: px -> rows, one reflect-padded row at a time
        for (int r = 0; r < rowCount; r++) {
            int row = r * width;
            for (int i = -radius; i < 0; i++) {
                padded[radius + i] = px[row + reflect(i, width)];
            }
            System.arraycopy(px, row, padded, radius, width);
            for (int i = width; i < width + radius; i++) {
                padded[radius + i] = px[row + reflect(i, width)];
            }
            float[] out = rows[r];
            Arrays.fill(out, 0, width, 0f);
            FloatRows.multiplyAdd(out, padded, kernel[0], width);
            for (int t = 1; t < taps; t++) {
                System.arraycopy(padded, t, shifted, 0, width);
                FloatRows.multiplyAdd(out, shifted, kernel[t], width);
            }
        }
        // vertical: rows -> px, output row y sums input rows reflect(y - radius + t)
        float[] sum = shifted;
        for (int c = 0; c < channels; c++) {
            int first = c * height;
            for (int y = 0; y < height; y++) {
                Arrays.fill(sum, 0, width, 0f);
                for (int t = 0; t < taps; t++) {
                    FloatRows.multiplyAdd(sum, rows[first + reflect(y - radius + t, height)], kernel[t], width);
                }
                System.arraycopy(sum, 0, px, (first + y) * width, width);
            }
        }
    }

    /** The kernel's radius for {@code sigma}: 3 sigma, at least 1 pixel. */
    static int radius(double sigma) {
        return Math.max(1, (int) Math.ceil(3 * sigma));
    }

    /** Writes the normalised kernel of {@code 2 radius(sigma) + 1} taps into {@code into}. */
    static void kernel(double sigma, float[] into) {
        int radius = radius(sigma);
        int taps = 2 * radius + 1;
        double total = 0;
        for (int t = 0; t < taps; t++) {
            double d = t - radius;
            double w = Math.exp(-d * d / (2 * sigma * sigma));
            into[t] = (float) w;
            total += w;
        }
        float inv = (float) (1 / total);
        for (int t = 0; t < taps; t++) {
            into[t] *= inv;
        }
    }

    /** Mirror index {@code i} into [0, n) without repeating the edge (… 2 1 | 0 1 2 … n-1 | n-2 …). */
    static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }

    @Override
    public String toString() {
        return "GaussianBlur(sigma=[" + minSigma + ", " + maxSigma + "])";
    }
}
