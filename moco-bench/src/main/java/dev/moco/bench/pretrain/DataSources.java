package dev.moco.bench.pretrain;

import dev.moco.core.data.IdxDataset;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageFolderDataset;
import dev.moco.core.data.Split;
import dev.moco.core.data.augment.Normalize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Opens what {@code --data <dir>} names, recognising its layout:
 *
 * <ul>
 *   <li>IDX files (MNIST, Fashion-MNIST): {@code train-images-idx3-ubyte[.gz]} with its
 *       labels, and/or {@code t10k-images-idx3-ubyte[.gz]}; {@code train} and {@code test}
 *       select them;
 *   <li>an image folder: one subdirectory of images per class ({@code dir/<class>/*.png}), or
 *       {@code dir/train/<class>/...} and {@code dir/test/<class>/...} (or {@code val}). Images are
 *       resized to {@code image.size} and read as RGB.
 * </ul>
 */
public final class DataSources {

    private DataSources() {}

    /** The {@code split} ("train" or "test") of the data set in {@code directory}. */
    public static ImageDataset open(Path directory, String split, int imageSize) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("--data " + directory + " is not a directory");
        }
        Split idxSplit = switch (split.toLowerCase(Locale.ROOT)) {
            case "train" -> Split.TRAIN;
            case "test" -> Split.TEST;
            default -> throw new IllegalArgumentException("unknown split '" + split + "'; use train or test");
        };
        if (isIdx(directory)) {
            if (!hasFile(directory, idxSplit.imagesFileName())) {
                throw new IllegalArgumentException(directory + " holds IDX files but not " + idxSplit.imagesFileName()
                        + "[.gz] (the " + split + " split)");
            }
            return IdxDataset.open(directory, idxSplit);
        }
        Path root = directory;
        Path named = directory.resolve(split);
        Path val = directory.resolve("val");
        if (Files.isDirectory(named)) {
            root = named;
        } else if (idxSplit == Split.TEST && Files.isDirectory(val)) {
            root = val;
        } else if (idxSplit == Split.TEST) {
            throw new IllegalArgumentException(directory + " has no test/ or val/ subdirectory for the test split");
        }
        if (!hasSubdirectory(root)) {
            throw new IllegalArgumentException("found neither IDX files (train-images-idx3-ubyte[.gz]) nor class"
                    + " subdirectories of images in " + root);
        }
        return ImageFolderDataset.builder(root).size(imageSize, imageSize).build();
    }

    /** A one-line description: where, how many images, which shape. */
    public static String describe(Path directory, ImageDataset data) {
        return directory + " (" + data.size() + " images of " + data.shape() + ")";
    }

    /** Images hashed into a {@link #fingerprint}. */
    static final int FINGERPRINT_IMAGES = 16;

    /**
     * What identifies a data set cheaply, recorded in checkpoints and compared on resume: the
     * image count, the shape and a SHA-256 of the first {@value #FINGERPRINT_IMAGES} images'
     * pixels, e.g. {@code 60000 images of 1x28x28, first 16 sha256 3f2a...}.
     */
    public static String fingerprint(ImageDataset data) {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
        float[] image = new float[data.shape().length()];
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(image.length * Float.BYTES);
        int count = Math.min(FINGERPRINT_IMAGES, data.size());
        for (int i = 0; i < count; i++) {
            data.readImage(i, image, 0);
            bytes.clear();
            bytes.asFloatBuffer().put(image);
            sha.update(bytes.array());
        }
        String hex = java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        return data.size() + " images of " + data.shape() + ", first " + count + " sha256 " + hex;
    }

    /**
     * Per-channel mean and standard deviation of up to {@code samples} images spread evenly
     * over the data set: the normalisation of training views and evaluation images.
     */
    public static Normalize estimateNormalization(ImageDataset data, int samples) {
        int channels = data.channels();
        int plane = data.height() * data.width();
        double[] sum = new double[channels];
        double[] sumSquares = new double[channels];
        float[] image = new float[data.shape().length()];
        int count = Math.min(samples, data.size());
        for (int s = 0; s < count; s++) {
            data.readImage((int) ((long) s * data.size() / count), image, 0);
            for (int c = 0; c < channels; c++) {
                for (int p = c * plane; p < (c + 1) * plane; p++) {
                    sum[c] += image[p];
                    sumSquares[c] += (double) image[p] * image[p];
                }
            }
        }
        float[] mean = new float[channels];
        float[] std = new float[channels];
        double n = (double) count * plane;
        for (int c = 0; c < channels; c++) {
            double m = sum[c] / n;
            mean[c] = (float) m;
            std[c] = (float) Math.max(1e-3, Math.sqrt(Math.max(0, sumSquares[c] / n - m * m)));
        }
        return new Normalize(mean, std);
    }

    private static boolean isIdx(Path dir) {
        return hasFile(dir, Split.TRAIN.imagesFileName()) || hasFile(dir, Split.TEST.imagesFileName());
    }

    private static boolean hasFile(Path dir, String name) {
        return Files.isRegularFile(dir.resolve(name)) || Files.isRegularFile(dir.resolve(name + ".gz"));
    }

    private static boolean hasSubdirectory(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.anyMatch(Files::isDirectory);
        }
    }
}
