package dev.moco.core.data.augment;

import dev.moco.api.kit.SplitMix64;

/**
 * With probability {@code p} (0.2 in MoCo v1 and v2), replaces an RGB image by its luma
 * {@code 0.2989 R + 0.587 G + 0.114 B} in all three channels (torchvision's
 * {@code RandomGrayscale}; He et al. arXiv:1911.05722 following Wu et al. 2018). A
 * one-channel image is left as it is (the coin is still tossed, so the random stream does
 * not depend on the channel count).
 */
public final class RandomGrayscale implements Augmentation {

    static final float RED = 0.2989f;
    static final float GREEN = 0.587f;
    static final float BLUE = 0.114f;

    private final double probability;

    public RandomGrayscale() {
        this(0.2);
    }

    public RandomGrayscale(double probability) {
        this.probability = RandomApply.checkProbability(probability);
    }

    @Override
    public void apply(ImageBuffer image, SplitMix64 random) {
        if (!random.chance(probability) || image.channels() != 3) {
            return;
        }
        float[] px = image.pixels();
        int plane = image.height() * image.width();
        for (int p = 0; p < plane; p++) {
            float luma = RED * px[p] + GREEN * px[plane + p] + BLUE * px[2 * plane + p];
            px[p] = luma;
            px[plane + p] = luma;
            px[2 * plane + p] = luma;
        }
    }

    @Override
    public String toString() {
        return "RandomGrayscale(p=" + probability + ")";
    }
}
