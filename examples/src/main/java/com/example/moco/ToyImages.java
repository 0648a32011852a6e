package com.example.moco;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The example's "own data": grayscale 16×16 images of a filled square or a ring, at random places and sizes. */
final class ToyImages {

    static final int SIZE = 16;

    private ToyImages() {}

    /** {@code count} images [1, 16, 16] with values in [0, 1]; even indices squares, odd ones rings. */
    static List<INDArray> generate(int count, long seed) {
        Random random = new Random(seed);
        List<INDArray> images = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float[] pixels = new float[SIZE * SIZE];
            int radius = 3 + random.nextInt(4);
            int cx = radius + random.nextInt(SIZE - 2 * radius);
            int cy = radius + random.nextInt(SIZE - 2 * radius);
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    double d = Math.hypot(x - cx, y - cy);
                    boolean on = i % 2 == 0
                            ? Math.abs(x - cx) <= radius && Math.abs(y - cy) <= radius
                            : Math.abs(d - radius) < 1.0;
                    pixels[y * SIZE + x] = on ? 0.8f + 0.2f * random.nextFloat() : 0.1f * random.nextFloat();
                }
            }
            images.add(Nd4j.create(pixels, new long[] {1, SIZE, SIZE}, DataType.FLOAT));
        }
        return images;
    }
}
