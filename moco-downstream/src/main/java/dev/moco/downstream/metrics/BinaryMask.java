package dev.moco.downstream.metrics;

import java.util.BitSet;

/**
 * A binary mask over a {@code height}×{@code width} image, stored as a bit set in row-major
 * order. Immutable.
 *
 * <pre>{@code
 * BinaryMask m = BinaryMask.of(garment.mask(), canvas.size(), canvas.size());
 * double overlap = m.iou(other);
 * }</pre>
 */
public final class BinaryMask {

    private final int height;
    private final int width;
    private final BitSet pixels;

    private BinaryMask(int height, int width, BitSet pixels) {
        this.height = height;
        this.width = width;
        this.pixels = pixels;
    }

    /** The mask of a row-major {@code height}×{@code width} array. */
    public static BinaryMask of(boolean[] rowMajor, int height, int width) {
        if (height < 0 || width < 0 || rowMajor.length != (long) height * width) {
            throw new IllegalArgumentException(rowMajor.length + " mask values for a " + height + "x" + width + " mask");
        }
        BitSet bits = new BitSet(rowMajor.length);
        for (int i = 0; i < rowMajor.length; i++) {
            if (rowMajor[i]) {
                bits.set(i);
            }
        }
        return new BinaryMask(height, width, bits);
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** Whether pixel (row, column) is set. */
    public boolean get(int row, int column) {
        return pixels.get(row * width + column);
    }

    /** Number of set pixels (COCO's {@code area} of a segmentation). */
    public int area() {
        return pixels.cardinality();
    }

    /** The mask as a row-major array. */
    public boolean[] toRowMajor() {
        boolean[] values = new boolean[height * width];
        pixels.stream().forEach(i -> values[i] = true);
        return values;
    }

    /**
     * Intersection over union of the set pixels, as pycocotools' {@code maskUtils.iou} computes
     * it for non-crowd masks; 0 when both are empty.
     *
     * @throws IllegalArgumentException if the masks are of different sizes
     */
    public double iou(BinaryMask other) {
        if (other.height != height || other.width != width) {
            throw new IllegalArgumentException("cannot compare a " + height + "x" + width + " mask with a "
                    + other.height + "x" + other.width + " one");
        }
        BitSet intersection = (BitSet) pixels.clone();
        intersection.and(other.pixels);
        int union = area() + other.area() - intersection.cardinality();
        return union == 0 ? 0 : (double) intersection.cardinality() / union;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryMask m && m.height == height && m.width == width && m.pixels.equals(pixels);
    }

    @Override
    public int hashCode() {
        return (31 * height + width) * 31 + pixels.hashCode();
    }

    @Override
    public String toString() {
        return "BinaryMask(" + height + "x" + width + ", " + area() + " pixels set)";
    }
}
