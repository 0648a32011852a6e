package dev.moco.core.data.augment;

import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;

/**
 * Applies another augmentation with probability {@code p}, like torchvision's
 * {@code RandomApply}; MoCo v2 (Chen et al., arXiv:2003.04297) applies its colour jitter
 * with p = 0.8 and its Gaussian blur with p = 0.5 this way. The wrapped step must keep the
 * image shape (otherwise the output shape would depend on the coin).
 */
public final class RandomApply implements Augmentation {

    private final Augmentation augmentation;
    private final double probability;

    public RandomApply(Augmentation augmentation, double probability) {
        this.augmentation = augmentation;
        this.probability = checkProbability(probability);
        ImageShape probe = new ImageShape(3, 32, 32);
        if (!augmentation.outputShape(probe).equals(probe)) {
            throw new IllegalArgumentException("RandomApply needs a shape-preserving step, got " + augmentation);
        }
    }

    @Override
    public void apply(ImageBuffer image, SplitMix64 random) {
        if (random.chance(probability)) {
            augmentation.apply(image, random);
        }
    }

    @Override
    public String toString() {
        return "RandomApply(" + augmentation + ", p=" + probability + ")";
    }

    static double checkProbability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
        }
        return p;
    }
}
