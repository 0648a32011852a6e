package dev.moco.core.data;

import java.io.BufferedInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * One file in the IDX format of LeCun's MNIST distribution (also used by Fashion-MNIST,
 * KMNIST, EMNIST): a 4-byte magic number {@code 0x00 0x00 type ndims}, {@code ndims}
 * big-endian 32-bit dimension sizes, then the elements in row-major order.
 *
 * <p>Only unsigned-byte elements (type {@code 0x08}) are supported: magic {@code 0x00000801}
 * for a label vector, {@code 0x00000803} for an image stack {@code [count, rows, columns]}.
 * A gzip-compressed file is recognised by its first two bytes ({@code 1f 8b}), whatever
 * its name.
 *
 * <pre>{@code
 * IdxFile images = IdxFile.read(Path.of("t10k-images-idx3-ubyte.gz"), 3);
 * int count = images.dimension(0);   // 10000
 * byte[] pixels = images.data();      // count * 28 * 28 unsigned bytes
 * }</pre>
 */
public final class IdxFile {

    /** IDX element type code for unsigned bytes. */
    public static final int UNSIGNED_BYTE = 0x08;

    private final String source;
    private final int[] dimensions;
    private final byte[] data;

    private IdxFile(String source, int[] dimensions, byte[] data) {
        this.source = source;
        this.dimensions = dimensions;
        this.data = data;
    }

    /**
     * Reads an IDX file of unsigned bytes with {@code expectedDimensions} dimensions,
     * gzipped or not.
     *
     * @throws NoSuchFileException when the file does not exist
     * @throws MalformedDatasetException on a wrong magic number, a truncated file or extra bytes
     */
    public static IdxFile read(Path file, int expectedDimensions) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "IDX file not found");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), expectedDimensions);
        }
    }

    /**
     * Reads an IDX file of unsigned bytes from a stream (not closed), gzipped or not.
     *
     * @param sourceName names the stream in error messages (a path or resource name)
     */
    public static IdxFile read(InputStream stream, String sourceName, int expectedDimensions)
            throws IOException {
        if (expectedDimensions < 1 || expectedDimensions > 255) {
            throw new IllegalArgumentException("expectedDimensions must be in 1..255, got "
                    + expectedDimensions);
        }
        InputStream in = decompressIfGzipped(stream, sourceName);
        int expectedMagic = (UNSIGNED_BYTE << 8) | expectedDimensions;
        byte[] magicBytes = readBytes(in, 4, sourceName, "the 4-byte magic number", 0);
        int magic = ((magicBytes[0] & 0xff) << 24) | ((magicBytes[1] & 0xff) << 16)
                | ((magicBytes[2] & 0xff) << 8) | (magicBytes[3] & 0xff);
        if (magic != expectedMagic) {
            throw new MalformedDatasetException(String.format(
                    "%s: wrong magic number 0x%08x, expected 0x%08x (IDX, unsigned bytes, %d dimension%s)%s",
                    sourceName, magic, expectedMagic, expectedDimensions,
                    expectedDimensions == 1 ? "" : "s", describeMagic(magic)));
        }
        byte[] header = readBytes(in, 4 * expectedDimensions, sourceName,
                "the " + expectedDimensions + " dimension sizes", 4);
        int[] dims = new int[expectedDimensions];
        long elements = 1;
        for (int d = 0; d < expectedDimensions; d++) {
            int size = ((header[4 * d] & 0xff) << 24) | ((header[4 * d + 1] & 0xff) << 16)
                    | ((header[4 * d + 2] & 0xff) << 8) | (header[4 * d + 3] & 0xff);
            if (size < 0) {
                throw new MalformedDatasetException(sourceName + ": dimension " + d
                        + " has a negative size " + size);
            }
            dims[d] = size;
            elements *= size;
            if (elements > Integer.MAX_VALUE - 16) {
                throw new MalformedDatasetException(sourceName + ": dimensions "
                        + Arrays.toString(Arrays.copyOf(dims, d + 1))
                        + " describe more than 2^31 bytes, which is not supported");
            }
        }
        int headerBytes = 4 + 4 * expectedDimensions;
        byte[] data = readBytes(in, (int) elements, sourceName,
                "the data of dimensions " + Arrays.toString(dims), headerBytes);
        long extra = countRemaining(in, sourceName);
        if (extra > 0) {
            throw new MalformedDatasetException(sourceName + ": " + extra
                    + " unexpected bytes after the " + (headerBytes + elements)
                    + " bytes that its header " + Arrays.toString(dims) + " describes");
        }
        return new IdxFile(sourceName, dims, data);
    }

    /**
     * Writes an IDX file of unsigned bytes (uncompressed; wrap {@code out} in a
     * {@link java.util.zip.GZIPOutputStream} for a {@code .gz} file). The stream is not closed.
     */
    public static void write(OutputStream out, int[] dimensions, byte[] data) throws IOException {
        long elements = 1;
        for (int size : dimensions) {
            if (size < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dimensions));
            }
            elements *= size;
        }
        if (elements != data.length) {
            throw new IllegalArgumentException("dimensions " + Arrays.toString(dimensions)
                    + " need " + elements + " bytes, got " + data.length);
        }
        DataOutputStream dataOut = new DataOutputStream(out);
        dataOut.writeInt((UNSIGNED_BYTE << 8) | dimensions.length);
        for (int size : dimensions) {
            dataOut.writeInt(size);
        }
        dataOut.write(data);
        dataOut.flush();
    }

    /** Where the file was read from (path or resource name). */
    public String source() {
        return source;
    }

    public int dimensionCount() {
        return dimensions.length;
    }

    public int dimension(int index) {
        return dimensions[index];
    }

    /** The elements as unsigned bytes in row-major order (not copied: do not modify). */
    public byte[] data() {
        return data;
    }

    private static InputStream decompressIfGzipped(InputStream stream, String sourceName)
            throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(stream, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            try {
                return new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16);
            } catch (ZipException | EOFException e) {
                throw new MalformedDatasetException(sourceName
                        + ": starts like a gzip file but its gzip header is broken: " + e.getMessage(), e);
            }
        }
        return buffered;
    }

    /** Bytes per read while filling an array, so that a truncated gzip stream reports how far it got. */
    private static final int READ_CHUNK = 1 << 16;

    private static byte[] readBytes(InputStream in, int count, String sourceName, String what,
            long alreadyRead) throws IOException {
        byte[] bytes = new byte[count];
        int filled = 0;
        try {
            while (filled < count) {
                // in chunks: a read that fails part-way loses what it copied, and "found" must count it
                int n = in.read(bytes, filled, Math.min(count - filled, READ_CHUNK));
                if (n < 0) {
                    break;
                }
                filled += n;
            }
        } catch (EOFException e) {
            throw truncated(sourceName, what, alreadyRead + count, alreadyRead + filled,
                    " (the gzip stream ends early)", e);
        } catch (ZipException e) {
            throw new MalformedDatasetException(sourceName + ": corrupt gzip data after "
                    + (alreadyRead + filled) + " decompressed bytes: " + e.getMessage(), e);
        }
        if (filled < count) {
            throw truncated(sourceName, what, alreadyRead + count, alreadyRead + filled, "", null);
        }
        return bytes;
    }

    private static MalformedDatasetException truncated(String sourceName, String what,
            long expected, long found, String detail, Throwable cause) {
        return new MalformedDatasetException(sourceName + ": truncated while reading " + what
                + ": expected " + expected + " bytes, found " + found + detail, cause);
    }

    private static long countRemaining(InputStream in, String sourceName) throws IOException {
        long count = 0;
        byte[] sink = new byte[8192];
        try {
            int n;
            while ((n = in.read(sink)) >= 0) {
                count += n;
            }
        } catch (EOFException | ZipException e) {
            throw new MalformedDatasetException(sourceName
                    + ": corrupt gzip data after the IDX content: " + e.getMessage(), e);
        }
        return count;
    }

    private static String describeMagic(int magic) {
        if ((magic >>> 16) != 0) {
            return "; this is not an IDX file";
        }
        int type = (magic >>> 8) & 0xff;
        int dims = magic & 0xff;
        String typeName = switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "unknown type 0x" + Integer.toHexString(type);
        };
        return "; found an IDX file of " + typeName + " elements with " + dims + " dimension"
                + (dims == 1 ? "" : "s");
    }
}
