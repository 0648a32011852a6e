package dev.moco.downstream.canvas;

import dev.moco.core.data.ImageFile;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.imageio.ImageIO;

/**
 * A canvas set on disk, in formats other tools read:
 *
 * <pre>
 * dir/canvases.properties          format, version and the {@link CanvasSpec} (enough to regenerate it)
 * dir/LICENSE-fashion-mnist.txt    where the images come from, and Fashion-MNIST's MIT licence
 * dir/train/instances.json         COCO instances (boxes, RLE masks, categories); see {@link CocoJson}
 * dir/train/images/000001.png      8-bit grey canvases
 * dir/train/masks/000001.png       8-bit semantic masks: 0 background, 1..10 = Fashion-MNIST label + 1
 * dir/test/...                     the same for the test canvases
 * </pre>
 *
 * <pre>{@code
 * CanvasDirectory.write(set, Path.of("canvases"));
 * CanvasSet again = CanvasDirectory.read(Path.of("canvases"));
 * }</pre>
 */
public final class CanvasDirectory {

    public static final String PROPERTIES = "canvases.properties";
    public static final String LICENSE = "LICENSE-fashion-mnist.txt";
    static final String FORMAT = "moco-canvases";
    static final String VERSION = "1";

    private CanvasDirectory() {
    }

    /** Whether {@code dir} looks like a canvas set (has {@value #PROPERTIES}). */
    public static boolean isCanvasDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve(PROPERTIES));
    }

    public static void write(CanvasSet set, Path dir) {
        try {
            Files.createDirectories(dir);
            writeSplit(set.train(), dir.resolve("train"), "train canvases of " + describe(set.spec()));
            writeSplit(set.test(), dir.resolve("test"), "test canvases of " + describe(set.spec()));
            try (InputStream license = CanvasDirectory.class.getResourceAsStream(LICENSE)) {
                Files.copy(license, dir.resolve(LICENSE), StandardCopyOption.REPLACE_EXISTING);
            }
            Properties p = new Properties();
            CanvasSpec s = set.spec();
            p.setProperty("format", FORMAT);
            p.setProperty("version", VERSION);
            p.setProperty("size", Integer.toString(s.size()));
            p.setProperty("min-garment", Integer.toString(s.minGarment()));
            p.setProperty("max-garment", Integer.toString(s.maxGarment()));
            p.setProperty("max-garments", Integer.toString(s.maxGarments()));
            p.setProperty("train", Integer.toString(s.trainCount()));
            p.setProperty("test", Integer.toString(s.testCount()));
            p.setProperty("seed", Long.toString(s.seed()));
            try (var out = Files.newOutputStream(dir.resolve(PROPERTIES))) {
                p.store(out, "moco canvases: Fashion-MNIST garments on black canvases (moco data canvases)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the canvas set to " + dir, e);
        }
    }

    /**
     * Reads a set written by {@link #write}.
     *
     * @throws IllegalArgumentException when {@code dir} is not a canvas set, is empty, or a file
     *     does not match the spec (naming the file)
     */
    public static CanvasSet read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory");
        }
        if (!isCanvasDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a canvas set: it has no " + PROPERTIES
                    + " (make one with: moco data canvases --out " + dir + ")");
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(dir.resolve(PROPERTIES))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(PROPERTIES), e);
        }
        if (!FORMAT.equals(p.getProperty("format")) || !VERSION.equals(p.getProperty("version"))) {
            throw new IllegalArgumentException(dir.resolve(PROPERTIES) + " is not a " + FORMAT + " version " + VERSION
                    + " file (format=" + p.getProperty("format") + ", version=" + p.getProperty("version") + ")");
        }
        CanvasSpec spec;
        try {
            spec = new CanvasSpec(integer(p, "size"), integer(p, "min-garment"), integer(p, "max-garment"),
                    integer(p, "max-garments"), integer(p, "train"), integer(p, "test"), Long.parseLong(p.getProperty("seed", "")));
            ImageFile.requireWithin("a canvas of " + dir.resolve(PROPERTIES), spec.size(), spec.size(), ImageFile.maxPixels());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(dir.resolve(PROPERTIES) + " has a missing or malformed key: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir.resolve(PROPERTIES) + ": " + e.getMessage(), e);
        }
        List<Canvas> train = readSplit(dir.resolve("train"), spec.size(), spec.trainCount());
        List<Canvas> test = readSplit(dir.resolve("test"), spec.size(), spec.testCount());
        if (train.isEmpty() && test.isEmpty()) {
            throw new IllegalArgumentException(dir + " holds no canvases (train 0, test 0)");
        }
        return new CanvasSet(spec, train, test);
    }

    private static int integer(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException(PROPERTIES + " has no key '" + key + "'");
        }
        return Integer.parseInt(v.trim());
    }

    private static String describe(CanvasSpec s) {
        return s.size() + "x" + s.size() + ", garments " + s.minGarment() + "-" + s.maxGarment() + " px, seed " + s.seed();
    }

    private static void writeSplit(List<Canvas> canvases, Path dir, String description) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve(CocoJson.MASKS));
        for (Canvas c : canvases) {
            writeGrey(c.pixels(), c.size(), dir.resolve(CocoJson.imageFileName(c.imageId())));
            writeGrey(c.semantic(), c.size(), dir.resolve(CocoJson.maskFileName(c.imageId())));
        }
        CocoJson.writeInstances(canvases, dir.resolve("instances.json"), description);
    }

    /**
     * Writes semantic masks as a split's ground truth is written: {@code dir/masks/000001.png},
     * 8-bit grey, one value per pixel (0 background, label + 1), named by image id.
     *
     * @param masks row-major {@code size}×{@code size} masks by canvas image id
     */
    public static void writeMasks(Map<Integer, byte[]> masks, int size, Path dir) {
        try {
            Files.createDirectories(dir.resolve(CocoJson.MASKS));
            for (Map.Entry<Integer, byte[]> e : masks.entrySet()) {
                writeGrey(e.getValue(), size, dir.resolve(CocoJson.maskFileName(e.getKey())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the masks to " + dir, e);
        }
    }

    private static List<Canvas> readSplit(Path dir, int size, int expected) {
        Path instancesFile = dir.resolve("instances.json");
        if (expected == 0 && !Files.exists(instancesFile)) {
            return List.of();
        }
        if (!Files.isRegularFile(instancesFile)) {
            throw new IllegalArgumentException(dir + " has no instances.json (expected " + expected + " canvases)");
        }
        Map<Integer, List<GarmentInstance>> instances = CocoJson.readInstances(instancesFile, size);
        if (instances.size() != expected) {
            throw new IllegalArgumentException(instancesFile + " lists " + instances.size() + " images but "
                    + PROPERTIES + " says " + expected);
        }
        List<Canvas> canvases = new ArrayList<>(expected);
        for (Map.Entry<Integer, List<GarmentInstance>> e : instances.entrySet()) {
            int id = e.getKey();
            byte[] pixels = readGrey(dir.resolve(CocoJson.imageFileName(id)), size);
            byte[] semantic = readGrey(dir.resolve(CocoJson.maskFileName(id)), size);
            canvases.add(new Canvas(id, size, pixels, semantic, e.getValue()));
        }
        return canvases;
    }

    private static void writeGrey(byte[] values, int size, Path file) throws IOException {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                raster.setSample(x, y, 0, values[y * size + x] & 0xff);
            }
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer for " + file);
        }
    }

    private static byte[] readGrey(Path file, int size) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is missing");
        }
        BufferedImage image;
        try {
            // the canvases' own size is the limit: a file declaring another is refused before decoding
            ImageFile.Header header = ImageFile.header(file, Long.MAX_VALUE);
            if (header.width() != size || header.height() != size) {
                throw new IllegalArgumentException(file + " is " + header.width() + "x" + header.height()
                        + "; the set's canvases are " + size + "x" + size + " grey");
            }
            image = ImageFile.read(file, (long) size * size);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (image.getWidth() != size || image.getHeight() != size || image.getRaster().getNumBands() != 1) {
            throw new IllegalArgumentException(file + " is " + image.getWidth() + "x" + image.getHeight() + " with "
                    + image.getRaster().getNumBands() + " band(s); the set's canvases are " + size + "x" + size + " grey");
        }
        byte[] values = new byte[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                values[y * size + x] = (byte) image.getRaster().getSample(x, y, 0);
            }
        }
        return values;
    }
}
