package dev.moco.core.run;

import dev.moco.core.data.IdxDataset;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageFolderDataset;
import dev.moco.core.data.ImageShape;
import dev.moco.core.data.Split;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The images a run pretrains on: IDX files (MNIST, Fashion-MNIST), a folder of image files, or
 * the user's own images. Pixel values are in [0, 1]; the run estimates the per-channel
 * normalisation from them.
 *
 * <pre>{@code
 * TrainingImages fashion = TrainingImages.idx(Path.of("/usr/share/datasets/fashion-mnist"));
 * TrainingImages folder = TrainingImages.imageFolder(Path.of("photos"), 32);   // photos/<class>/*.png
 * TrainingImages mine = TrainingImages.of(myImages);                           // an Iterator<INDArray> of [C, H, W]
 * }</pre>
 */
public final class TrainingImages {

    private final ImageDataset dataset;
    private final String description;

    private TrainingImages(ImageDataset dataset, String description) {
        this.dataset = dataset;
        this.description = description;
    }

    /**
     * The training split of the IDX files in {@code directory}
     * ({@code train-images-idx3-ubyte[.gz]} and its labels).
     *
     * @param directory a directory of IDX files
     * @return the images
     * @throws IllegalArgumentException if the directory holds no training IDX files
     * @throws UncheckedIOException if a file cannot be read
     */
    public static TrainingImages idx(Path directory) {
        return open(directory, "train", 0);
    }

    /**
     * The images of a folder with one subdirectory per class ({@code directory/<class>/*.png},
     * or the same under {@code directory/train/}), resized to {@code size} × {@code size},
     * with one channel if every image is grey, else RGB.
     *
     * @param directory the folder
     * @param size the height and width the images are resized to
     * @return the images
     * @throws IllegalArgumentException if the folder has no class subdirectories
     * @throws UncheckedIOException if the folder cannot be listed
     */
    public static TrainingImages imageFolder(Path directory, int size) {
        if (hasIdxFiles(directory)) {
            throw new IllegalArgumentException(directory + " holds IDX files; use TrainingImages.idx");
        }
        return open(directory, "train", size);
    }

    /**
     * The user's own images, read once into memory: each an array [channels, height, width]
     * (or [1, channels, height, width]) of values in [0, 1], all of one shape.
     *
     * @param images the images, at least one
     * @return the images
     * @throws IllegalArgumentException naming the first image whose shape differs from the
     *     first one's, or an image of another rank
     */
    public static TrainingImages of(Iterator<INDArray> images) {
        List<float[]> pixels = new ArrayList<>();
        ImageShape shape = null;
        while (images.hasNext()) {
            INDArray image = images.next();
            long[] s = image.shape();
            if (s.length == 4 && s[0] == 1) {
                s = Arrays.copyOfRange(s, 1, 4);
            }
            if (s.length != 3) {
                throw new IllegalArgumentException("image " + pixels.size() + " has shape " + Arrays.toString(image.shape())
                        + "; images must be [channels, height, width]");
            }
            ImageShape current = new ImageShape((int) s[0], (int) s[1], (int) s[2]);
            if (shape == null) {
                shape = current;
            } else if (!shape.equals(current)) {
                throw new IllegalArgumentException("image " + pixels.size() + " is " + current + " (channels x height x width)"
                        + " but image 0 is " + shape + "; every training image must have one size and channel count"
                        + " (resize them first, or use TrainingImages.imageFolder, which does)");
            }
            pixels.add(image.castTo(DataType.FLOAT).dup('c').data().asFloat());
        }
        if (shape == null) {
            throw new IllegalArgumentException("no training images: the iterator was empty");
        }
        return new TrainingImages(new InMemoryImages(shape, pixels), pixels.size() + " images of " + shape);
    }

    /**
     * The {@code split} ({@code train} or {@code test}) of the data set in {@code directory},
     * recognising its layout: IDX files, or an image folder ({@code <class>/} subdirectories,
     * or {@code train/} and {@code test/} or {@code val/} holding them).
     *
     * @param directory the data set's directory
     * @param split {@code train} or {@code test}
     * @param imageSize the height and width image files are resized to (IDX images keep theirs)
     * @return the images of that split; an image folder's with its own channel count (1 if every
     *     image is grey, else 3)
     * @throws IllegalArgumentException saying what was looked for and not found
     * @throws UncheckedIOException if a file cannot be read, naming it
     */
    public static TrainingImages open(Path directory, String split, int imageSize) {
        return open(directory, split, imageSize, 0);
    }

    /**
     * As {@link #open(Path, String, int)}, an image folder read with {@code channels} channels
     * (1 or 3, converting; 0 for the folder's own).
     *
     * @param directory the data set's directory
     * @param split {@code train} or {@code test}
     * @param imageSize the height and width image files are resized to (IDX images keep theirs)
     * @param channels 1 (grey) or 3 (RGB) to convert an image folder to, or 0 for its own
     * @return the images of that split
     * @throws IllegalArgumentException also if {@code channels} is 3 for IDX files, which are grey
     */
    public static TrainingImages open(Path directory, String split, int imageSize, int channels) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException(directory + " is not a directory");
        }
        Split which = switch (split.toLowerCase(Locale.ROOT)) {
            case "train" -> Split.TRAIN;
            case "test" -> Split.TEST;
            default -> throw new IllegalArgumentException("unknown split '" + split + "'; use train or test");
        };
        try {
            if (hasIdxFiles(directory)) {
                if (channels == 3) {
                    throw new IllegalArgumentException(directory + " holds IDX files, whose images are grey (1 channel);"
                            + " 3 channels apply to image folders only");
                }
                if (!hasFile(directory, which.imagesFileName())) {
                    throw new IllegalArgumentException(directory + " holds IDX files but not " + which.imagesFileName()
                            + "[.gz] (the " + split + " split)");
                }
                IdxDataset idx = IdxDataset.open(directory, which);
                return new TrainingImages(idx, describe(directory, idx));
            }
            Path root = directory;
            if (Files.isDirectory(directory.resolve(split))) {
                root = directory.resolve(split);
            } else if (which == Split.TEST && Files.isDirectory(directory.resolve("val"))) {
                root = directory.resolve("val");
            } else if (which == Split.TEST) {
                throw new IllegalArgumentException(directory + " has no test/ or val/ subdirectory for the test split");
            }
            if (!hasSubdirectory(root)) {
                throw new IllegalArgumentException("found neither IDX files (train-images-idx3-ubyte[.gz]) nor class"
                        + " subdirectories of images in " + root);
            }
            ImageFolderDataset folder = ImageFolderDataset.builder(root).size(imageSize, imageSize).channels(channels).build();
            return new TrainingImages(folder, describe(root, folder));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the data set in " + directory + ": " + e.getMessage(), e);
        }
    }

    /** {@return the images as the data loader reads them} */
    public ImageDataset dataset() {
        return dataset;
    }

    /** {@return where the images come from, how many, and their shape} */
    @Override
    public String toString() {
        return description;
    }

    private static String describe(Path directory, ImageDataset data) {
        return directory + " (" + data.size() + " images of " + data.shape() + ")";
    }

    private static boolean hasIdxFiles(Path dir) {
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
