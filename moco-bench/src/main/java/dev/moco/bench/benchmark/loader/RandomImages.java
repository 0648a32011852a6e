package dev.moco.bench.benchmark.loader;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;
import java.util.Objects;

/**
 * Random 8-bit images held in memory, read as floats in [0, 1]: what an {@code IdxDataset} or
 * an {@code ImageFolderDataset} hands the loader once its files are decoded, without the files.
 * Each channel is a smooth pattern (two plane waves of 1–6 cycles per image, random phases)
 * plus a little noise, because photographs are locally smooth: on white noise the colour
 * steps' per-pixel branches (which channel is largest) would be mispredicted far more often
 * than on real images. The pixels are a pure function of the seed.
 */
final class RandomImages implements ImageDataset {

    private final ImageShape shape;
    private final int count;
    private final byte[] pixels;

    RandomImages(ImageShape shape, int count, long seed) {
        this.shape = Objects.requireNonNull(shape, "shape");
        if (count < 1 || (long) count * shape.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("need between 1 and " + Integer.MAX_VALUE / shape.length()
                    + " images of " + shape + ", got " + count);
        }
        this.count = count;
        this.pixels = new byte[count * shape.length()];
        SplitMix64 random = new SplitMix64(seed);
        int height = shape.height();
        int width = shape.width();
        float[] cosX = new float[width];
        float[] sinX = new float[width];
        float[] cosY = new float[height];
        float[] sinY = new float[height];
        for (int plane = 0; plane < count * shape.channels(); plane++) {
            // a wave  cos(2 pi (fx x / W + fy y / H) + phase), split into its x and y factors
            double fx = random.uniform(1, 6);
            double fy = random.uniform(1, 6);
            double phase = random.uniform(0, 2 * Math.PI);
            for (int x = 0; x < width; x++) {
                cosX[x] = (float) Math.cos(2 * Math.PI * fx * x / width);
                sinX[x] = (float) Math.sin(2 * Math.PI * fx * x / width);
            }
            for (int y = 0; y < height; y++) {
                cosY[y] = (float) Math.cos(2 * Math.PI * fy * y / height + phase);
                sinY[y] = (float) Math.sin(2 * Math.PI * fy * y / height + phase);
            }
            float level = (float) random.uniform(0.3, 0.7);
            float amplitude = (float) random.uniform(0.1, 0.3);
            int start = plane * height * width;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float wave = cosX[x] * cosY[y] - sinX[x] * sinY[y];
                    float noise = (float) random.uniform(-0.02, 0.02);
                    float v = level + amplitude * wave + noise;
                    pixels[start + y * width + x] = (byte) Math.round(255 * Math.min(1f, Math.max(0f, v)));
                }
            }
        }
    }

    @Override
    public int size() {
        return count;
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
        int length = shape.length();
        int start = Objects.checkIndex(index, count) * length;
        for (int p = 0; p < length; p++) {
            destination[offset + p] = (pixels[start + p] & 0xff) / 255f;
        }
    }
}
