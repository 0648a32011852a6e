package dev.moco.core.data.augment;

import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;

/**
 * One step of an image augmentation, applied in place to the image held by an
 * {@link ImageBuffer} (CHW floats). Implementations are stateless and thread-safe: all
 * per-thread memory lives in the buffer, all randomness comes from {@code random}, so the
 * result is a pure function of the input image and the generator's state.
 */
public interface Augmentation {

    /** Transforms {@code image} in place, drawing any random choices from {@code random}. */
    void apply(ImageBuffer image, SplitMix64 random);

    /** The shape this step produces from an input of shape {@code input} (the same by default). */
    default ImageShape outputShape(ImageShape input) {
        return input;
    }
}
