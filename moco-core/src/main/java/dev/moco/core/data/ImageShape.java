package dev.moco.core.data;

/** The shape of one image in CHW order: channels, height, width. */
public record ImageShape(int channels, int height, int width) {

    public ImageShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got "
                    + channels + "x" + height + "x" + width + " (channels x height x width)");
        }
        if ((long) channels * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image shape " + channels + "x" + height + "x" + width + " has "
                    + (long) channels * height * width + " values, more than an array holds (" + Integer.MAX_VALUE + ")");
        }
    }

    /** Number of floats in one image, {@code channels * height * width}. */
    public int length() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
