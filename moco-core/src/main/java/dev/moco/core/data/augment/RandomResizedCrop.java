package dev.moco.core.data.augment;

import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;

/**
 * Crops a random region of random area and aspect ratio and resizes it (bilinear) to a
 * fixed output size: torchvision's {@code RandomResizedCrop}, the first and strongest
 * augmentation of MoCo (He et al., arXiv:1911.05722, Sec. 3.3/4: "a 224x224-pixel crop is
 * taken from a randomly resized image") with {@code scale=(0.2, 1)} as in the reference
 * implementation, following Wu et al. (2018) and Inception (Szegedy et al., 2015).
 *
 * <p>Region choice, as torchvision: up to ten tries of area {@code U(scale) * H * W} and
 * log-uniform ratio {@code w/h}; a region that fits is placed uniformly at random; if none
 * fits, the whole image is centre-cropped to the nearest allowed ratio.
 */
public final class RandomResizedCrop implements Augmentation {

    private final int outputHeight;
    private final int outputWidth;
    private final double minScale;
    private final double maxScale;
    private final double logMinRatio;
    private final double logMaxRatio;
    private final double minRatio;
    private final double maxRatio;

    /** The MoCo setting: scale 0.2–1, ratio 3/4–4/3. */
    public RandomResizedCrop(int outputHeight, int outputWidth) {
        this(outputHeight, outputWidth, 0.2, 1.0, 3.0 / 4.0, 4.0 / 3.0);
    }

    public RandomResizedCrop(int outputHeight, int outputWidth, double minScale, double maxScale,
            double minRatio, double maxRatio) {
        if (outputHeight <= 0 || outputWidth <= 0) {
            throw new IllegalArgumentException("output size must be positive, got "
                    + outputHeight + "x" + outputWidth);
        }
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("scale range must satisfy 0 < min <= max <= 1, got ("
                    + minScale + ", " + maxScale + ")");
        }
        if (!(minRatio > 0 && minRatio <= maxRatio)) {
            throw new IllegalArgumentException("ratio range must satisfy 0 < min <= max, got ("
                    + minRatio + ", " + maxRatio + ")");
        }
        this.outputHeight = outputHeight;
        this.outputWidth = outputWidth;
        this.minScale = minScale;
        this.maxScale = maxScale;
        this.minRatio = minRatio;
        this.maxRatio = maxRatio;
        this.logMinRatio = Math.log(minRatio);
        this.logMaxRatio = Math.log(maxRatio);
    }

    /** A crop region: rows {@code [top, top + height)}, columns {@code [left, left + width)}. */
    record Region(int top, int left, int height, int width) {
    }

    @Override
    public void apply(ImageBuffer image, SplitMix64 random) {
        int channels = image.channels();
        long region = choose(image.height(), image.width(), random);
        float[] out = image.scratch(channels * outputHeight * outputWidth);
        image.resampler().resize(image.pixels(), 0, channels, image.height(), image.width(),
                top(region), left(region), height(region), width(region), out, 0, outputHeight, outputWidth);
        image.swap(channels, outputHeight, outputWidth);
    }

    /** The region {@link #apply} would crop, for tests. */
    Region chooseRegion(int height, int width, SplitMix64 random) {
        long r = choose(height, width, random);
        return new Region(top(r), left(r), height(r), width(r));
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params}; the region is packed into a long
     * (16 bits each for top, left, height, width) so that choosing it allocates nothing.
     */
    private long choose(int height, int width, SplitMix64 random) {
        if (height > 0xffff || width > 0xffff) {
            throw new IllegalArgumentException("images larger than 65535 pixels a side are not supported, got "
                    + height + "x" + width);
        }
        double area = (double) height * width;
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * random.uniform(minScale, maxScale);
            double ratio = Math.exp(random.uniform(logMinRatio, logMaxRatio));
            int w = (int) Math.round(Math.sqrt(targetArea * ratio));
            int h = (int) Math.round(Math.sqrt(targetArea / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                int top = random.nextInt(height - h + 1);
                int left = random.nextInt(width - w + 1);
                return pack(top, left, h, w);
            }
        }
        // fallback: centre crop of the whole image at the nearest allowed ratio
        int cropHeight = height;
        int cropWidth = width;
        double inRatio = (double) width / height;
        if (inRatio < minRatio) {
            cropHeight = Math.max(1, Math.min(height, (int) Math.round(width / minRatio)));
        } else if (inRatio > maxRatio) {
            cropWidth = Math.max(1, Math.min(width, (int) Math.round(height * maxRatio)));
        }
        return pack((height - cropHeight) / 2, (width - cropWidth) / 2, cropHeight, cropWidth);
    }

    private static long pack(int top, int left, int height, int width) {
        return ((long) top << 48) | ((long) left << 32) | ((long) height << 16) | width;
    }

    private static int top(long region) {
        return (int) (region >>> 48) & 0xffff;
    }

    private static int left(long region) {
        return (int) (region >>> 32) & 0xffff;
    }

    private static int height(long region) {
        return (int) (region >>> 16) & 0xffff;
    }

    private static int width(long region) {
        return (int) region & 0xffff;
    }

    @Override
    public ImageShape outputShape(ImageShape input) {
        return new ImageShape(input.channels(), outputHeight, outputWidth);
    }

    @Override
    public String toString() {
        return "RandomResizedCrop(" + outputHeight + "x" + outputWidth + ", scale=(" + minScale
                + ", " + maxScale + "), ratio=(" + minRatio + ", " + maxRatio + "))";
    }
}
