package dev.moco.core.data.augment;

import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;

/** Resizes the whole image to a fixed size (bilinear, antialiased); deterministic. */
public final class Resize implements Augmentation {

    private final int outputHeight;
    private final int outputWidth;

    public Resize(int outputHeight, int outputWidth) {
        if (outputHeight <= 0 || outputWidth <= 0) {
            throw new IllegalArgumentException("output size must be positive, got "
                    + outputHeight + "x" + outputWidth);
        }
        this.outputHeight = outputHeight;
        this.outputWidth = outputWidth;
    }

    @Override
    public void apply(ImageBuffer image, SplitMix64 random) {
        int channels = image.channels();
        if (image.height() == outputHeight && image.width() == outputWidth) {
            return;
        }
        float[] out = image.scratch(channels * outputHeight * outputWidth);
        image.resampler().resize(image.pixels(), 0, channels, image.height(), image.width(),
                0, 0, image.height(), image.width(), out, 0, outputHeight, outputWidth);
        image.swap(channels, outputHeight, outputWidth);
    }

    @Override
    public ImageShape outputShape(ImageShape input) {
        return new ImageShape(input.channels(), outputHeight, outputWidth);
    }

    @Override
    public String toString() {
        return "Resize(" + outputHeight + "x" + outputWidth + ")";
    }
}
