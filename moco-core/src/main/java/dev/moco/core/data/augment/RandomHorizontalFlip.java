package dev.moco.core.data.augment;

import dev.moco.api.kit.SplitMix64;

/**
 * Mirrors the image left-right with probability {@code p} (0.5 in MoCo v1 and v2,
 * He et al. arXiv:1911.05722 and Chen et al. arXiv:2003.04297, as in torchvision's
 * {@code RandomHorizontalFlip}).
 */
public final class RandomHorizontalFlip implements Augmentation {

    private final double probability;

    public RandomHorizontalFlip() {
        this(0.5);
    }

    public RandomHorizontalFlip(double probability) {
        this.probability = RandomApply.checkProbability(probability);
    }

    @Override
    public void apply(ImageBuffer image, SplitMix64 random) {
        if (!random.chance(probability)) {
            return;
        }
        float[] px = image.pixels();
        int width = image.width();
        int rows = image.channels() * image.height();
        for (int r = 0; r < rows; r++) {
            int lo = r * width;
            int hi = lo + width - 1;
            while (lo < hi) {
                float t = px[lo];
                px[lo++] = px[hi];
                px[hi--] = t;
            }
        }
    }

    @Override
    public String toString() {
        return "RandomHorizontalFlip(p=" + probability + ")";
    }
}
