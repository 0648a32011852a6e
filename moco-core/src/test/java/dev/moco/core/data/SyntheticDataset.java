package dev.moco.core.data;

import dev.moco.api.kit.SplitMix64;

/**
 * A data set computed on the fly: image i has pixel values drawn from a generator seeded
 * with i, label {@code i % classes}; reading image {@code failingIndex} throws.
 */
final class SyntheticDataset implements ImageDataset {

    private final int size;
    private final ImageShape shape;
    private final int classes;
    private final int failingIndex;

    SyntheticDataset(int size, ImageShape shape, int classes) {
        this(size, shape, classes, -1);
    }

    SyntheticDataset(int size, ImageShape shape, int classes, int failingIndex) {
        this.size = size;
        this.shape = shape;
        this.classes = classes;
        this.failingIndex = failingIndex;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public ImageShape shape() {
        return shape;
    }

    @Override
    public int label(int index) {
        return index % classes;
    }

    @Override
    public void readImage(int index, float[] destination, int offset) {
        if (index == failingIndex) {
            throw new IllegalStateException("synthetic failure reading image " + index);
        }
        SplitMix64 rng = new SplitMix64(index);
        for (int p = 0; p < shape.length(); p++) {
            destination[offset + p] = (float) rng.nextDouble();
        }
    }
}
