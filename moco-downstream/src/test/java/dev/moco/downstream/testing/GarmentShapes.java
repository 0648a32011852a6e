package dev.moco.downstream.testing;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageShape;

/**
 * A stand-in for a Fashion-MNIST split in unit tests: 28×28 grey images on black, image i
 * of class {@code firstLabel + i % classes} holding a bright filled rectangle whose width
 * depends on the class, so that a small network can tell classes apart.
 */
public final class GarmentShapes implements ImageDataset {

    private static final ImageShape SHAPE = new ImageShape(1, 28, 28);
    private final int size;
    private final int firstLabel;
    private final int classes;

    public GarmentShapes(int size, int firstLabel, int classes) {
        this.size = size;
        this.firstLabel = firstLabel;
        this.classes = classes;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public ImageShape shape() {
        return SHAPE;
    }

    @Override
    public int label(int index) {
        return firstLabel + index % classes;
    }

    @Override
    public void readImage(int index, float[] destination, int offset) {
        int label = label(index);
        int halfWidth = 3 + label;            // 3..12
        int halfHeight = 12 - (index / classes) % 3;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                boolean inside = Math.abs(x - 13.5) < halfWidth && Math.abs(y - 13.5) < halfHeight;
                destination[offset + y * 28 + x] = inside ? 0.5f + 0.05f * label : 0f;
            }
        }
    }
}
