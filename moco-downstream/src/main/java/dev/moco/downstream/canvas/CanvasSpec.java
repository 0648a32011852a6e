package dev.moco.downstream.canvas;

/**
 * What a canvas set is generated from: everything besides the source images that determines
 * it. Equal specs over the same Fashion-MNIST files give byte-identical sets.
 *
 * @param size canvas height and width in pixels
 * @param minGarment smallest garment side in pixels (a 28×28 garment is resized to s×s)
 * @param maxGarment largest garment side in pixels
 * @param maxGarments each canvas holds 1 to this many garments
 * @param trainCount canvases built from the training split's images
 * @param testCount canvases built from the test split's images
 * @param seed the generator's seed
 */
public record CanvasSpec(int size, int minGarment, int maxGarment, int maxGarments, int trainCount, int testCount,
        long seed) {

    /** Background plus the ten Fashion-MNIST classes: the semantic-mask classes. */
    public static final int SEGMENTATION_CLASSES = 11;
    /** The Fashion-MNIST classes: detection categories 1..10 (COCO ids; label + 1). */
    public static final int GARMENT_CLASSES = 10;
    /** The canvas side of {@code moco data canvases} and of the transfer commands' generated canvases. */
    public static final int DEFAULT_SIZE = 64;

    public CanvasSpec {
        if (size < 8) {
            throw new IllegalArgumentException("canvas size must be at least 8 pixels, got " + size);
        }
        if (minGarment < 4 || maxGarment < minGarment || maxGarment > size) {
            throw new IllegalArgumentException("garment sides must satisfy 4 <= min <= max <= canvas size " + size
                    + ", got " + minGarment + ".." + maxGarment);
        }
        if (maxGarments < 1) {
            throw new IllegalArgumentException("a canvas holds at least one garment; max garments " + maxGarments);
        }
        if (trainCount < 0 || testCount < 0) {
            throw new IllegalArgumentException("canvas counts must be >= 0, got train " + trainCount + ", test " + testCount);
        }
    }

    /**
     * {@code size}×{@code size} canvases with garments of size/4 to 3·size/4 pixels (16–48 at
     * 64), 1 to 4 per canvas.
     */
    public static CanvasSpec of(int size, int trainCount, int testCount, long seed) {
        return new CanvasSpec(size, Math.max(4, size / 4), Math.max(4, 3 * size / 4), 4, trainCount, testCount, seed);
    }
}
