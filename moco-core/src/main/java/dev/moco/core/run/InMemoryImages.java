package dev.moco.core.run;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageShape;
import java.util.List;

/** Unlabelled images held as float arrays in CHW order, all of one shape. */
final class InMemoryImages implements ImageDataset {
    private final ImageShape shape;
    private final List<float[]> images;

    InMemoryImages(ImageShape shape, List<float[]> images) {
        this.shape = shape;
        this.images = List.copyOf(images);
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public ImageShape shape() {
        return shape;
    }

    @Override
    public int label(int index) {
        return -1;
    }

    @Override
    public void readImage(int index, float[] destination, int offset) {
        System.arraycopy(images.get(index), 0, destination, offset, shape.length());
    }
}
