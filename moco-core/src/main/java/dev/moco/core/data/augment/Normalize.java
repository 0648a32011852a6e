package dev.moco.core.data.augment;

import dev.moco.api.kit.SplitMix64;
import java.util.Arrays;

/**
 * Per-channel standardisation {@code (x - mean[c]) / std[c]}, the last step of every
 * pipeline (torchvision's {@code Normalize}). One mean/std value applies to every channel.
 *
 * <pre>{@code
 * Normalize n = Normalize.FASHION_MNIST;           // mean 0.2860, std 0.3530
 * Normalize custom = new Normalize(new float[] {0.5f}, new float[] {0.25f});
 * }</pre>
 */
public final class Normalize implements Augmentation {

    /** Fashion-MNIST training-set pixel mean and standard deviation (grayscale). */
    public static final Normalize FASHION_MNIST = new Normalize(new float[] {0.2860f}, new float[] {0.3530f});

    /** MNIST training-set pixel mean and standard deviation (grayscale). */
    public static final Normalize MNIST = new Normalize(new float[] {0.1307f}, new float[] {0.3081f});

    /** ImageNet RGB statistics, as in the MoCo reference code. */
    public static final Normalize IMAGENET = new Normalize(
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

    /** Leaves values in [0, 1]. */
    public static final Normalize IDENTITY = new Normalize(new float[] {0f}, new float[] {1f});

    private final float[] mean;
    private final float[] inverseStd;
    private final float[] std;

    public Normalize(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("need as many means as standard deviations (at least one), got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        this.mean = mean.clone();
        this.std = std.clone();
        this.inverseStd = new float[std.length];
        for (int c = 0; c < std.length; c++) {
            if (!(std[c] > 0) || !Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("standard deviations must be positive and means finite, got mean "
                        + Arrays.toString(mean) + ", std " + Arrays.toString(std));
            }
            inverseStd[c] = 1f / std[c];
        }
    }

    /** Whether this normalisation can be applied to images with {@code channels} channels. */
    public boolean fits(int channels) {
        return mean.length == 1 || mean.length == channels;
    }

    @Override
    public void apply(ImageBuffer image, SplitMix64 random) {
        int channels = image.channels();
        if (!fits(channels)) {
            throw new IllegalArgumentException(this + " does not fit an image with " + channels + " channels");
        }
        float[] px = image.pixels();
        int plane = image.height() * image.width();
        for (int c = 0; c < channels; c++) {
            int k = mean.length == 1 ? 0 : c;
            float m = mean[k];
            float s = inverseStd[k];
            int start = c * plane;
            for (int p = start; p < start + plane; p++) {
                px[p] = (px[p] - m) * s;
            }
        }
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    @Override
    public String toString() {
        return "Normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }
}
