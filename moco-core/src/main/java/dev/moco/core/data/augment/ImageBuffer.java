package dev.moco.core.data.augment;

import dev.moco.core.data.FloatRows;
import dev.moco.core.data.ImageShape;
import dev.moco.core.data.Resampler;

/**
 * The per-thread working memory of an {@link AugmentationPipeline}: the image being
 * transformed (CHW floats, {@link #pixels()}), a second buffer of the same capacity for
 * steps that cannot work in place ({@link #scratch(int)}, then {@link #swap}), a small
 * line buffer, row arrays and plane arrays for filters, and a {@link Resampler}. Buffers
 * only grow, so after the first image the augmentations allocate nothing. Not thread-safe:
 * one per worker thread.
 */
public final class ImageBuffer {

    private float[] pixels = new float[0];
    private float[] scratch = new float[0];
    private float[] line = new float[0];
    private float[][] rows = new float[0][0];
    private float[][] planes = new float[0][0];
    private final Resampler resampler = new Resampler();
    private int channels;
    private int height;
    private int width;

    /** Makes room for an image of {@code shape} and sets the current shape; contents undefined. */
    public float[] reset(ImageShape shape) {
        return reset(shape.channels(), shape.height(), shape.width());
    }

    /** Makes room for a {@code channels x height x width} image; returns the pixel array. */
    public float[] reset(int channels, int height, int width) {
        int length = channels * height * width;
        if (pixels.length < length) {
            pixels = new float[length];
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        return pixels;
    }

    /** The current image, CHW, in the first {@link #length()} floats. */
    public float[] pixels() {
        return pixels;
    }

    /** A second buffer of at least {@code length} floats; write the new image there, then {@link #swap}. */
    public float[] scratch(int length) {
        if (scratch.length < length) {
            scratch = new float[length];
        }
        return scratch;
    }

    /** Makes the scratch buffer the current image, of the given shape. */
    public void swap(int channels, int height, int width) {
        float[] t = pixels;
        pixels = scratch;
        scratch = t;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** A buffer of at least {@code length} floats for a filter's kernel or a few per-pixel values. */
    public float[] line(int length) {
        if (line.length < length) {
            line = new float[length];
        }
        return line;
    }

    /** At least {@code count} separate row arrays of at least {@code width} floats (see {@link FloatRows}). */
    public float[][] rows(int count, int width) {
        rows = FloatRows.atLeast(rows, count, width);
        return rows;
    }

    /**
     * At least {@code count} separate arrays of at least {@code length} floats, for per-pixel
     * work across channels: a channel copied into an array of its own is read and written at
     * the same index as the others (see {@link FloatRows}).
     */
    public float[][] planes(int count, int length) {
        planes = FloatRows.atLeast(planes, count, length);
        return planes;
    }

    public Resampler resampler() {
        return resampler;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Number of floats in the current image. */
    public int length() {
        return channels * height * width;
    }

    public ImageShape shape() {
        return new ImageShape(channels, height, width);
    }
}
