package dev.moco.bench.cli.pretrain;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageShape;
import java.util.Random;

/** Small one-channel images in a few classes (a bright square whose position is the class), for fast tests. */
final class SyntheticImages implements ImageDataset {
    private final int size;
    private final float[][] pixels;
    private final int[] labels;

    SyntheticImages(int count, int size, int classes, long seed) {
        this.size = size;
        Random random = new Random(seed);
        pixels = new float[count][size * size];
        labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % classes;
            int half = size / 2;
            int r0 = (labels[i] / 2 % 2) * half;
            int c0 = (labels[i] % 2) * half;
            for (int p = 0; p < size * size; p++) {
                int r = p / size;
                int c = p % size;
                boolean lit = r >= r0 && r < r0 + half && c >= c0 && c < c0 + half;
                pixels[i][p] = (float) Math.min(1, Math.max(0, (lit ? 0.8 : 0.15) + 0.1 * random.nextGaussian()));
            }
        }
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public ImageShape shape() {
        return new ImageShape(1, size, size);
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public void readImage(int index, float[] destination, int offset) {
        System.arraycopy(pixels[index], 0, destination, offset, size * size);
    }
}
