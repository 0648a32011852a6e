package dev.moco.bench.benchmark.throughput;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageShape;
import java.util.Arrays;

/**
 * A data set of black images, for benchmarks that feed ready-made batches: it gives the run
 * its data-set size (what dictionaries are sized for) and its image shape, and is never the
 * source of a measured batch.
 *
 * @param size the number of images
 * @param shape each image's channels, height and width
 */
public record BlankImages(int size, ImageShape shape) implements ImageDataset {

    @Override
    public int label(int index) {
        return 0;
    }

    @Override
    public void readImage(int index, float[] destination, int offset) {
        Arrays.fill(destination, offset, offset + shape.length(), 0f);
    }
}
