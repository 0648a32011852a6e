package dev.moco.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A labelled grayscale data set in the MNIST file format: an IDX image stack
 * {@code [count, rows, columns]} and an IDX label vector {@code [count]}, both unsigned
 * bytes (see {@link IdxFile}). Serves MNIST, Fashion-MNIST (Xiao et al., arXiv:1708.07747)
 * and their relatives. Pixels are held in memory as bytes (one byte per pixel; the
 * Fashion-MNIST training split takes 47 MB) and scaled to [0, 1] when read.
 *
 * <pre>{@code
 * // a directory with train-images-idx3-ubyte.gz etc. (apt-get install dataset-fashion-mnist)
 * IdxDataset train = IdxDataset.open(Path.of("/usr/share/datasets/fashion-mnist"), Split.TRAIN);
 * // the Fashion-MNIST test split embedded in moco-bench's jar
 * IdxDataset test = IdxDataset.fromResources(FashionMnist.RESOURCE_DIRECTORY, Split.TEST);
 * }</pre>
 */
public final class IdxDataset implements ImageDataset {

    private final String source;
    private final ImageShape shape;
    private final int size;
    private final byte[] pixels;
    private final byte[] labels;

    private IdxDataset(String source, IdxFile images, IdxFile labels) throws MalformedDatasetException {
        int imageCount = images.dimension(0);
        int labelCount = labels.dimension(0);
        if (imageCount != labelCount) {
            throw new MalformedDatasetException("image/label count mismatch: " + images.source()
                    + " holds " + imageCount + " images but " + labels.source() + " holds "
                    + labelCount + " labels");
        }
        if (images.dimension(1) == 0 || images.dimension(2) == 0) {
            throw new MalformedDatasetException(images.source() + ": images of "
                    + images.dimension(1) + "x" + images.dimension(2) + " pixels are empty");
        }
        this.source = source;
        this.size = imageCount;
        this.shape = new ImageShape(1, images.dimension(1), images.dimension(2));
        this.pixels = images.data();
        this.labels = labels.data();
    }

    /**
     * Opens one split of an MNIST-format directory, which must hold
     * {@code <prefix>-images-idx3-ubyte} and {@code <prefix>-labels-idx1-ubyte}, each gzipped
     * ({@code .gz}) or not; {@code prefix} is {@code train} or {@code t10k}.
     *
     * @throws NoSuchFileException naming the file names looked for when one is missing
     * @throws MalformedDatasetException when a file is not valid IDX or the counts disagree
     */
    public static IdxDataset open(Path directory, Split split) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null,
                    "MNIST-format data set directory not found");
        }
        Path images = find(directory, split.imagesFileName());
        Path labels = find(directory, split.labelsFileName());
        return fromFiles(images, labels);
    }

    /** Reads an image file and a label file (gzipped or not) given by path. */
    public static IdxDataset fromFiles(Path images, Path labels) throws IOException {
        IdxFile imageFile = IdxFile.read(images, 3);
        IdxFile labelFile = IdxFile.read(labels, 1);
        return new IdxDataset(images.getParent() == null ? images.toString()
                : images.getParent().toString(), imageFile, labelFile);
    }

    /**
     * Reads an image stream and a label stream (gzipped or not; not closed).
     *
     * @param imagesName names the image stream in error messages
     * @param labelsName names the label stream in error messages
     */
    public static IdxDataset fromStreams(InputStream images, String imagesName,
            InputStream labels, String labelsName) throws IOException {
        IdxFile imageFile = IdxFile.read(images, imagesName, 3);
        IdxFile labelFile = IdxFile.read(labels, labelsName, 1);
        return new IdxDataset(imagesName, imageFile, labelFile);
    }

    /**
     * Reads one split from class-path resources under {@code resourceDirectory} (e.g.
     * {@code "datasets/fashion-mnist"}), looked up with the thread's context class loader,
     * or this class's loader when there is none.
     */
    public static IdxDataset fromResources(String resourceDirectory, Split split) throws IOException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return fromResources(loader != null ? loader : IdxDataset.class.getClassLoader(),
                resourceDirectory, split);
    }

    /** Reads one split from class-path resources under {@code resourceDirectory}. */
    public static IdxDataset fromResources(ClassLoader loader, String resourceDirectory, Split split)
            throws IOException {
        String dir = resourceDirectory.endsWith("/") ? resourceDirectory : resourceDirectory + "/";
        if (dir.startsWith("/")) {
            dir = dir.substring(1);
        }
        String imagesName = findResource(loader, dir + split.imagesFileName());
        String labelsName = findResource(loader, dir + split.labelsFileName());
        try (InputStream images = loader.getResourceAsStream(imagesName);
                InputStream labels = loader.getResourceAsStream(labelsName)) {
            IdxFile imageFile = IdxFile.read(Objects.requireNonNull(images, imagesName),
                    "classpath:" + imagesName, 3);
            IdxFile labelFile = IdxFile.read(Objects.requireNonNull(labels, labelsName),
                    "classpath:" + labelsName, 1);
            return new IdxDataset("classpath:" + dir, imageFile, labelFile);
        }
    }

    /** Where the data came from (a directory, a file or a class-path location). */
    public String source() {
        return source;
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
        return labels[Objects.checkIndex(index, size)] & 0xff;
    }

    @Override
    public void readImage(int index, float[] destination, int offset) {
        int length = shape.length();
        int start = Objects.checkIndex(index, size) * length;
        Objects.checkFromIndexSize(offset, length, destination.length);
        Pixels.toUnit(pixels, start, destination, offset, length);
    }

    @Override
    public String toString() {
        return "IdxDataset[" + source + ", " + size + " images of " + shape + "]";
    }

    private static Path find(Path directory, String baseName) throws NoSuchFileException {
        Path gz = directory.resolve(baseName + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = directory.resolve(baseName);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new NoSuchFileException(gz.toString(), null,
                "missing IDX file: looked for " + baseName + ".gz and " + baseName + " in " + directory);
    }

    private static String findResource(ClassLoader loader, String baseName) throws NoSuchFileException {
        if (loader.getResource(baseName + ".gz") != null) {
            return baseName + ".gz";
        }
        if (loader.getResource(baseName) != null) {
            return baseName;
        }
        throw new NoSuchFileException("classpath:" + baseName + ".gz", null,
                "missing class-path resource: looked for " + baseName + ".gz and " + baseName
                        + " (is the jar that embeds it, e.g. moco-bench, on the class path?)");
    }
}
