package dev.moco.core.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * One image file read with {@code javax.imageio} in two steps: its header first (the size it
 * declares, and whether it is grey), then, only if the declared pixel count is within a limit,
 * its pixels. A file of a few hundred kilobytes can declare 20000×20000 pixels, which decode to
 * 1.6 GB of ARGB; the header costs nothing to read.
 *
 * <p>The limit is {@value #DEFAULT_MAX_PIXELS} pixels (e.g. 5000×5000) unless the JVM system
 * property {@value #MAX_PIXELS_PROPERTY} says otherwise ({@code JAVA_OPTS=-Dmoco.max-image-pixels=100000000
 * ./moco ...}); every image reader of the project (image folders, canvas sets, the loader
 * benchmark's synthetic images) applies it.
 *
 * <pre>{@code
 * ImageFile.Header h = ImageFile.header(file);            // throws IOException naming the file if it is too large
 * BufferedImage image = ImageFile.read(file, ImageFile.maxPixels());
 * }</pre>
 */
public final class ImageFile {

    /** The system property that sets the limit on decoded pixels per image. */
    public static final String MAX_PIXELS_PROPERTY = "moco.max-image-pixels";
    /** The limit on decoded pixels per image when {@value #MAX_PIXELS_PROPERTY} is not set. */
    public static final long DEFAULT_MAX_PIXELS = 25_000_000L;

    private ImageFile() {}

    /**
     * What a file's header declares.
     *
     * @param width pixels per row
     * @param height rows
     * @param grey whether its samples are grey levels (a grey colour space without a palette)
     */
    public record Header(int width, int height, boolean grey) {
        /** {@return width × height} */
        public long pixels() {
            return (long) width * height;
        }
    }

    /**
     * The limit on decoded pixels per image: {@value #MAX_PIXELS_PROPERTY}, or
     * {@value #DEFAULT_MAX_PIXELS}.
     *
     * @throws IllegalArgumentException if the property is set but not a positive whole number
     */
    public static long maxPixels() {
        String value = System.getProperty(MAX_PIXELS_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_PIXELS;
        }
        try {
            long limit = Long.parseLong(value.strip().replace("_", ""));
            if (limit > 0) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + MAX_PIXELS_PROPERTY + "=" + value + " is not a positive number of pixels");
    }

    /**
     * Checks a size against the limit.
     *
     * @param what the image, named in the message (a file, a view shape)
     * @throws IllegalArgumentException if {@code width × height} exceeds {@code maxPixels}
     */
    public static void requireWithin(String what, long width, long height, long maxPixels) {
        if (width * height > maxPixels || width * height < 0) {
            throw new IllegalArgumentException(what + " is " + width + "x" + height + " = " + String.format(Locale.ROOT, "%,d",
                    width * height) + " pixels, above the limit of " + String.format(Locale.ROOT, "%,d", maxPixels)
                    + " pixels per image (raise it with -D" + MAX_PIXELS_PROPERTY + "=N in JAVA_OPTS)");
        }
    }

    /**
     * Reads the header of {@code file} and checks its size against {@code maxPixels}.
     *
     * @throws IOException naming the file when no decoder recognises it, it cannot be read, or
     *     it declares more than {@code maxPixels} pixels
     */
    public static Header header(Path file, long maxPixels) throws IOException {
        return withReader(file.toString(), ImageIO.createImageInputStream(file.toFile()),
                reader -> header(file.toString(), reader, maxPixels));
    }

    /**
     * Decodes {@code file} after checking its header's size against {@code maxPixels}.
     *
     * @throws IOException naming the file, as {@link #header}, or when decoding fails
     */
    public static BufferedImage read(Path file, long maxPixels) throws IOException {
        return withReader(file.toString(), ImageIO.createImageInputStream(file.toFile()), reader -> {
            header(file.toString(), reader, maxPixels);
            return reader.read(0, reader.getDefaultReadParam());
        });
    }

    /**
     * Decodes an image file's bytes (e.g. a Spark {@code binaryFile} row's content) as
     * {@link #read(Path, long)} decodes a file, after checking its header's size against {@code maxPixels}.
     *
     * @param content the file's bytes
     * @param name names the image in error messages (where the bytes came from)
     * @param maxPixels the largest pixel count decoded
     * @return the decoded image
     * @throws IOException naming {@code name}, as {@link #read(Path, long)}
     */
    public static BufferedImage read(byte[] content, String name, long maxPixels) throws IOException {
        return withReader(name, ImageIO.createImageInputStream(new ByteArrayInputStream(content)), reader -> {
            header(name, reader, maxPixels);
            return reader.read(0, reader.getDefaultReadParam());
        });
    }

    /** Whether a decoded image's samples are grey levels (as {@link Header#grey()}). */
    public static boolean isGrey(ColorModel model) {
        return model.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !(model instanceof IndexColorModel);
    }

    private interface ReaderTask<T> {
        T apply(ImageReader reader) throws IOException;
    }

    private static <T> T withReader(String file, ImageInputStream opened, ReaderTask<T> task) throws IOException {
        try (ImageInputStream in = opened) {
            if (in == null) {
                throw new IOException(file + " cannot be opened");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(file + ": no image decoder recognises its content");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return task.apply(reader);
            } catch (RuntimeException e) {     // decoders throw unchecked exceptions on damaged data
                throw new IOException(file + " cannot be decoded: " + e, e);
            } finally {
                reader.dispose();
            }
        }
    }

    private static Header header(String file, ImageReader reader, long maxPixels) throws IOException {
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        try {
            requireWithin(file, width, height, maxPixels);
        } catch (IllegalArgumentException e) {
            throw new ImageTooLargeException(e.getMessage());
        }
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        return new Header(width, height, raw != null && isGrey(raw.getColorModel()));
    }

    /** An image whose header declares more pixels than the limit; the message names the file and the limit. */
    public static final class ImageTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        ImageTooLargeException(String message) {
            super(message);
        }
    }
}
