package dev.moco.bench.experiment;

import dev.moco.core.data.IdxFile;
import dev.moco.core.data.Split;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** A tiny IDX data set with a training and a test split: 8×8 images of four classes, a lit quadrant each. */
final class ExperimentTestData {

    private ExperimentTestData() {}

    static Path write(Path directory, int train, int test) throws IOException {
        Files.createDirectories(directory);
        writeSplit(directory, Split.TRAIN, train, 5);
        writeSplit(directory, Split.TEST, test, 6);
        return directory;
    }

    private static void writeSplit(Path directory, Split split, int n, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] pixels = new byte[n * 64];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 4);
            for (int p = 0; p < 64; p++) {
                boolean lit = (p / 8 < 4) == (labels[i] < 2) && (p % 8 < 4) == (labels[i] % 2 == 0);
                pixels[i * 64 + p] = (byte) (lit ? 180 + random.nextInt(60) : random.nextInt(80));
            }
        }
        try (OutputStream o = Files.newOutputStream(directory.resolve(split.imagesFileName()))) {
            IdxFile.write(o, new int[] {n, 8, 8}, pixels);
        }
        try (OutputStream o = Files.newOutputStream(directory.resolve(split.labelsFileName()))) {
            IdxFile.write(o, new int[] {n}, labels);
        }
    }
}
