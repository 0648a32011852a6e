package dev.moco.core.data.augment;

import dev.moco.core.data.SplitMix64;

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

    /** Blurs {@code image} in place with standard deviation {@code sigma} pixels. */
    static void blur(ImageBuffer image, double sigma) {
        int radius = Math.max(1, (int) Math.ceil(3 * sigma));
        int taps = 2 * radius + 1;
        int height = image.height();
        int width = image.width();
        int channels = image.channels();
        float[] line = image.line(taps + Math.max(height, width) + 2 * radius);
        double total = 0;
        for (int t = 0; t < taps; t++) {
            double d = t - radius;
            double w = Math.exp(-d * d / (2 * sigma * sigma));
            line[t] = (float) w;
            total += w;
        }
        float inv = (float) (1 / total);
        for (int t = 0; t < taps; t++) {
            line[t] *= inv;
        }
        int padded = taps; // the padded row/column starts after the kernel
        float[] px = image.pixels();
        float[] tmp = image.scratch(image.length());
        // horizontal: px -> tmp
        for (int r = 0; r < channels * height; r++) {
            int row = r * width;
            for (int i = -radius; i < width + radius; i++) {
                line[padded + radius + i] = px[row + reflect(i, width)];
            }
            for (int x = 0; x < width; x++) {
                float sum = 0f;
                int base = padded + x;
                for (int t = 0; t < taps; t++) {
                    sum += line[t] * line[base + t];
                }
                tmp[row + x] = sum;
            }
        }
        // vertical: tmp -> px
        for (int c = 0; c < channels; c++) {
            int planeStart = c * height * width;
            for (int x = 0; x < width; x++) {
                for (int i = -radius; i < height + radius; i++) {
                    line[padded + radius + i] = tmp[planeStart + reflect(i, height) * width + x];
                }
                for (int y = 0; y < height; y++) {
                    float sum = 0f;
                    int base = padded + y;
                    for (int t = 0; t < taps; t++) {
                        sum += line[t] * line[base + t];
                    }
                    px[planeStart + y * width + x] = sum;
                }
            }
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
