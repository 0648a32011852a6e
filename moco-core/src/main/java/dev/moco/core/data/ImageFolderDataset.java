package dev.moco.core.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Images from a directory tree, like torchvision's {@code ImageFolder}: either one
 * sub-directory per class ({@code root/cat/1.png}, {@code root/dog/a/2.jpg}; class names
 * sorted, label = position in that order; files found recursively inside each class
 * directory) or a flat directory of images (unlabelled, label -1).
 *
 * <p>PNG, JPEG, BMP and GIF files are decoded with {@code javax.imageio} when the data set
 * is opened. Every file's header is read first: a file declaring more pixels than
 * {@link ImageFile#maxPixels()} is refused (or skipped) before anything is decoded. The
 * channel count is the requested one or, by default, the folder's: 1 when every image is grey
 * (a grey colour space, 8 or 16 bits, without a palette), else 3, a folder that mixes grey and
 * colour images being read as RGB with the grey ones replicated. Images are converted to that
 * count (RGB, or grayscale with the
 * ITU-R 601 luma weights 0.299/0.587/0.114 that Pillow's {@code convert("L")} uses),
 * resized to the requested size with {@link Resampler bilinear (antialiased) resampling}
 * and kept in memory as bytes ({@code size * channels * height * width} bytes). An
 * unreadable file is an error naming it, or, with {@link Builder#skipUnreadable(boolean)},
 * is left out and listed in {@link #skippedFiles()}.
 *
 * <pre>{@code
 * ImageFolderDataset data = ImageFolderDataset.builder(Path.of("photos"))
 *         .size(64, 64).channels(3).skipUnreadable(true).build();
 * System.out.println(data.classNames() + ", skipped " + data.skippedFiles().size());
 * }</pre>
 */
public final class ImageFolderDataset implements ImageDataset {

    /** File-name extensions (lower case) read as images; other files are ignored. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private static final float INV_255 = 1f / 255f;

    private final Path root;
    private final ImageShape shape;
    private final List<String> classNames;
    private final List<Path> files;
    private final int[] labels;
    private final byte[] pixels;
    private final List<SkippedFile> skipped;

    /** A file left out because it could not be decoded, and why. */
    public record SkippedFile(Path file, String reason) {
    }

    private ImageFolderDataset(Path root, ImageShape shape, List<String> classNames,
            List<Path> files, int[] labels, byte[] pixels, List<SkippedFile> skipped) {
        this.root = root;
        this.shape = shape;
        this.classNames = classNames;
        this.files = files;
        this.labels = labels;
        this.pixels = pixels;
        this.skipped = skipped;
    }

    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** Options of an {@link ImageFolderDataset}; {@link #size} is required. */
    public static final class Builder {
        private final Path root;
        private int height;
        private int width;
        private int channels;
        private boolean skipUnreadable;
        private long maxPixels = -1;

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root");
        }

        /** The size every image is resized to. */
        public Builder size(int height, int width) {
            if (height <= 0 || width <= 0) {
                throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
            }
            this.height = height;
            this.width = width;
            return this;
        }

        /**
         * 3 for RGB, 1 for grayscale, 0 (the default) for the folder's: 1 if every image is grey,
         * else 3. Images are converted as needed.
         */
        public Builder channels(int channels) {
            if (channels != 0 && channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), or 0 for the folder's own, got "
                        + channels);
            }
            this.channels = channels;
            return this;
        }

        /** The most pixels an image file may declare (default {@link ImageFile#maxPixels()}). */
        public Builder maxPixels(long maxPixels) {
            if (maxPixels < 1) {
                throw new IllegalArgumentException("the pixel limit must be positive, got " + maxPixels);
            }
            this.maxPixels = maxPixels;
            return this;
        }

        /** Leave out (and count) files that cannot be decoded instead of failing. */
        public Builder skipUnreadable(boolean skip) {
            this.skipUnreadable = skip;
            return this;
        }

        /**
         * Finds and decodes every image.
         *
         * @throws NoSuchFileException when the root is not a directory
         * @throws IOException when a file cannot be decoded (and skipping is off), when the
         *     root mixes class directories with loose images, or when no image is found
         */
        public ImageFolderDataset build() throws IOException {
            if (height == 0) {
                throw new IllegalStateException("call size(height, width) before build()");
            }
            return load(this);
        }
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public ImageShape shape() {
        return shape;
    }

    @Override
    public int label(int index) {
        return labels[Objects.checkIndex(index, files.size())];
    }

    @Override
    public void readImage(int index, float[] destination, int offset) {
        int length = shape.length();
        int start = Objects.checkIndex(index, files.size()) * length;
        Objects.checkFromIndexSize(offset, length, destination.length);
        Pixels.toUnit(pixels, start, destination, offset, length);
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    /** Sorted class names (label i is classNames().get(i)); empty for a flat directory. */
    public List<String> classNames() {
        return classNames;
    }

    /** The file image {@code index} was decoded from. */
    public Path file(int index) {
        return files.get(index);
    }

    /** Files left out because they could not be decoded (only with skipUnreadable). */
    public List<SkippedFile> skippedFiles() {
        return skipped;
    }

    @Override
    public String toString() {
        return "ImageFolderDataset[" + root + ", " + files.size() + " images of " + shape
                + (classNames.isEmpty() ? ", unlabelled" : ", " + classNames.size() + " classes")
                + (skipped.isEmpty() ? "" : ", " + skipped.size() + " skipped") + "]";
    }

    private static ImageFolderDataset load(Builder options) throws IOException {
        Path root = options.root;
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "image folder not found");
        }
        List<Path> classDirs;
        List<Path> looseImages;
        try (Stream<Path> entries = Files.list(root)) {
            List<Path> all = entries.filter(p -> !isHidden(p)).sorted().toList();
            classDirs = all.stream().filter(Files::isDirectory).toList();
            looseImages = all.stream().filter(ImageFolderDataset::isImageFile).toList();
        }
        List<String> classNames = new ArrayList<>();
        List<Path> candidates = new ArrayList<>();
        List<Integer> candidateLabels = new ArrayList<>();
        if (!classDirs.isEmpty()) {
            if (!looseImages.isEmpty()) {
                throw new IOException(root + " mixes class directories " + names(classDirs, 3)
                        + " with images directly inside it " + names(looseImages, 3)
                        + ": use one directory per class, or a flat directory of images only");
            }
            for (Path dir : classDirs) {
                int label = classNames.size();
                classNames.add(dir.getFileName().toString());
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path file : walk.filter(ImageFolderDataset::isImageFile)
                            .filter(p -> !isHidden(p)).sorted().toList()) {
                        candidates.add(file);
                        candidateLabels.add(label);
                    }
                }
            }
        } else {
            for (Path file : looseImages) {
                candidates.add(file);
                candidateLabels.add(-1);
            }
        }
        if (candidates.isEmpty()) {
            throw new IOException("no images (" + String.join(", ", new TreeSet<>(EXTENSIONS))
                    + ") found in " + root);
        }

        long maxPixels = options.maxPixels > 0 ? options.maxPixels : ImageFile.maxPixels();
        // the headers first: a file too large to decode is found before any decoding
        List<SkippedFile> skipped = new ArrayList<>();
        boolean allGrey = true;
        for (Path file : candidates) {
            try {
                allGrey &= ImageFile.header(file, maxPixels).grey();
            } catch (IOException e) {
                unreadable(options, file, e, skipped);
            }
        }
        Set<Path> leftOut = new HashSet<>();
        skipped.forEach(s -> leftOut.add(s.file()));
        int channels = options.channels != 0 ? options.channels : allGrey ? 1 : 3;

        ImageShape shape = new ImageShape(channels, options.height, options.width);
        int length = shape.length();
        if ((long) candidates.size() * length > Integer.MAX_VALUE - 8) {
            throw new IOException(root + ": " + candidates.size() + " images of " + shape + " need "
                    + (long) candidates.size() * length + " bytes, more than one array holds; use a smaller image size");
        }
        byte[] pixels = new byte[candidates.size() * length];
        List<Path> files = new ArrayList<>(candidates.size());
        int[] labels = new int[candidates.size()];
        Resampler resampler = new Resampler();
        float[] resized = new float[length];
        for (int i = 0; i < candidates.size(); i++) {
            Path file = candidates.get(i);
            if (leftOut.contains(file)) {
                continue;
            }
            BufferedImage image;
            try {
                image = ImageFile.read(file, maxPixels);
            } catch (IOException e) {
                unreadable(options, file, e, skipped);
                continue;
            }
            int srcHeight = image.getHeight();
            int srcWidth = image.getWidth();
            float[] decoded = toChw(image, channels);
            float[] target;
            if (srcHeight == shape.height() && srcWidth == shape.width()) {
                target = decoded;
            } else {
                resampler.resize(decoded, 0, channels, srcHeight, srcWidth, 0, 0,
                        srcHeight, srcWidth, resized, 0, shape.height(), shape.width());
                target = resized;
            }
            int base = files.size() * length;
            for (int p = 0; p < length; p++) {
                pixels[base + p] = Pixels.toByte(target[p]);
            }
            labels[files.size()] = candidateLabels.get(i);
            files.add(file);
        }
        if (files.isEmpty()) {
            throw new IOException("none of the " + candidates.size() + " images in " + root
                    + " could be decoded, e.g. " + skipped.get(0).file() + ": " + skipped.get(0).reason());
        }
        byte[] kept = files.size() == candidates.size() ? pixels
                : Arrays.copyOf(pixels, files.size() * length);
        return new ImageFolderDataset(root, shape, Collections.unmodifiableList(classNames),
                List.copyOf(files), Arrays.copyOf(labels, files.size()), kept,
                List.copyOf(skipped));
    }

    /** Fails naming the file, or (when skipping) records it as skipped. */
    private static void unreadable(Builder options, Path file, IOException e, List<SkippedFile> skipped) throws IOException {
        String problem = e instanceof ImageFile.ImageTooLargeException ? "too large: " + e.getMessage()
                : e.getMessage() != null && e.getMessage().startsWith(file.toString()) ? e.getMessage().substring(file.toString().length()).replaceFirst("^:? *", "")
                : "cannot be decoded: " + e;
        if (!options.skipUnreadable) {
            if (e instanceof ImageFile.ImageTooLargeException) {
                throw new ImageFile.ImageTooLargeException("image " + e.getMessage() + "; remove or shrink the file");
            }
            throw new IOException("unreadable image " + file + ": " + problem + " (remove or convert the file)", e);
        }
        skipped.add(new SkippedFile(file, problem));
    }

    /** Decodes to CHW floats in [0, 1] with the requested channel count. */
    static float[] toChw(BufferedImage image, int channels) {
        int height = image.getHeight();
        int width = image.getWidth();
        int plane = height * width;
        float[] out = new float[channels * plane];
        ColorModel model = image.getColorModel();
        if (ImageFile.isGrey(model)) {
            // read gray samples directly: getRGB() would convert linear gray to sRGB
            Raster raster = image.getRaster();
            float scale = 1f / ((1 << model.getComponentSize(0)) - 1);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    float v = raster.getSample(x, y, 0) * scale;
                    for (int c = 0; c < channels; c++) {
                        out[c * plane + y * width + x] = v;
                    }
                }
            }
            return out;
        }
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                int argb = row[x];
                float r = ((argb >> 16) & 0xff) * INV_255;
                float g = ((argb >> 8) & 0xff) * INV_255;
                float b = (argb & 0xff) * INV_255;
                int p = y * width + x;
                if (channels == 3) {
                    out[p] = r;
                    out[plane + p] = g;
                    out[2 * plane + p] = b;
                } else {
                    out[p] = 0.299f * r + 0.587f * g + 0.114f * b;
                }
            }
        }
        return out;
    }

    private static boolean isImageFile(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static boolean isHidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static String names(List<Path> paths, int max) {
        return paths.stream().limit(max).map(p -> p.getFileName().toString())
                .collect(Collectors.joining(", ", "[", paths.size() > max ? ", ...]" : "]"));
    }
}
