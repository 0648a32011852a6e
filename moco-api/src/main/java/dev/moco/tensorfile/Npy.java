package dev.moco.tensorfile;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes arrays in NumPy's {@code .npy} format, version 1.0: the magic
 * {@code \x93NUMPY}, a little-endian header length, a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }} padded with spaces to a
 * multiple of 64 bytes and ended by a newline, then the elements in C order, little-endian.
 * {@code numpy.load} reads what {@link #write} writes.
 *
 * <p>Supported element types: float32 ({@code <f4}), float64 ({@code <f8}), int32
 * ({@code <i4}) and int64 ({@code <i8}).
 *
 * <pre>{@code
 * try (OutputStream out = Files.newOutputStream(path)) {
 *     Npy.write(features, out);
 * }
 * INDArray back = Npy.read(Files.newInputStream(path));
 * }</pre>
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Elements converted and written per chunk: bounds the temporary heap use. */
    private static final int CHUNK_ELEMENTS = 1 << 16;
    /** numpy writes headers of a few hundred bytes; a longer one is not a real .npy file. */
    private static final int MAX_HEADER_BYTES = 1 << 16;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /**
     * The {@code descr} string for an element type.
     *
     * @param type FLOAT, DOUBLE, INT or LONG
     * @return {@code <f4}, {@code <f8}, {@code <i4} or {@code <i8}
     * @throws IllegalArgumentException for any other type
     */
    public static String descr(DataType type) {
        return switch (type) {
            case FLOAT -> "<f4";
            case DOUBLE -> "<f8";
            case INT -> "<i4";
            case LONG -> "<i8";
            default -> throw new IllegalArgumentException(
                    "cannot write " + type + " arrays as .npy (supported: FLOAT, DOUBLE, INT, LONG)");
        };
    }

    private static DataType typeOf(String descr) throws IOException {
        return switch (descr) {
            case "<f4" -> DataType.FLOAT;
            case "<f8" -> DataType.DOUBLE;
            case "<i4" -> DataType.INT32;
            case "<i8" -> DataType.INT64;
            default -> throw new IOException(
                    "unsupported .npy element type '" + descr + "' (supported: <f4, <f8, <i4, <i8)");
        };
    }

    /**
     * The size of the {@code .npy} form of an array, header included.
     *
     * @param array the array that would be written
     * @return the number of bytes {@link #write(INDArray, OutputStream)} produces for it
     * @throws IllegalArgumentException if its element type cannot be written
     */
    public static long byteSize(INDArray array) {
        return header(array.dataType(), shapeOf(array)).length + array.length() * array.dataType().width();
    }

    /**
     * The shape written for an array.
     *
     * @param array the array that would be written
     * @return its own shape, except {@code [0]} for an empty array without dimensions
     */
    public static long[] shapeOf(INDArray array) {
        return array.isEmpty() && array.rank() == 0 ? new long[] {0} : array.shape();
    }

    /**
     * Writes an array, header and elements, in C order; does not close the stream.
     *
     * @param array the array, of type FLOAT, DOUBLE, INT or LONG, any order, views included
     * @param out where the bytes go
     * @throws IOException if {@code out} fails
     * @throws IllegalArgumentException if the element type cannot be written
     */
    public static void write(INDArray array, OutputStream out) throws IOException {
        DataType type = array.dataType();
        out.write(header(type, shapeOf(array)));
        long length = array.length();
        if (length == 0) {
            return;
        }
        INDArray flat = array.isView() || array.ordering() != 'c' || array.data().length() != length
                ? array.dup('c').reshape(length)
                : array.reshape(length);
        int width = type.width();
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(length, CHUNK_ELEMENTS) * width)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (long start = 0; start < length; start += CHUNK_ELEMENTS) {
            int n = (int) Math.min(CHUNK_ELEMENTS, length - start);
            chunk.clear();
            switch (type) {
                case FLOAT -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putFloat(flat.getFloat(start + i));
                    }
                }
                case DOUBLE -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putDouble(flat.getDouble(start + i));
                    }
                }
                case INT -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putInt((int) flat.getLong(start + i));
                    }
                }
                default -> {
                    for (int i = 0; i < n; i++) {
                        chunk.putLong(flat.getLong(start + i));
                    }
                }
            }
            out.write(chunk.array(), 0, n * width);
        }
    }

    /**
     * Writes a vector of int64 values, e.g. labels, as a {@code <i8} array of shape
     * {@code (length,)}; does not close the stream.
     *
     * @param values the values
     * @param out where the bytes go
     * @throws IOException if {@code out} fails
     */
    public static void write(long[] values, OutputStream out) throws IOException {
        out.write(header(DataType.INT64, new long[] {values.length}));
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buffer.putLong(v);
        }
        out.write(buffer.array());
    }

    /**
     * The version 1.0 header (magic, version, length, dict, padding) for an array; its length
     * is a multiple of 64 bytes.
     *
     * @param type the element type: FLOAT, DOUBLE, INT or LONG
     * @param shape the dimensions ({@code []} for a scalar)
     * @return the header bytes, to be followed by the elements
     * @throws IllegalArgumentException if the element type cannot be written
     */
    public static byte[] header(DataType type, long[] shape) {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            dims.append(shape[i]);
            dims.append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        String dict = "{'descr': '" + descr(type) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String text = dict + " ".repeat(padding) + "\n";
        ByteArrayOutputStream header = new ByteArrayOutputStream(unpadded + padding);
        header.writeBytes(MAGIC);
        header.write(1);
        header.write(0);
        header.write(text.length() & 0xff);
        header.write(text.length() >>> 8);
        header.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        return header.toByteArray();
    }

    /**
     * Reads one array from a stream of unknown length. Versions 1.0, 2.0 and 3.0 of the
     * format are accepted; Fortran order is not.
     *
     * @param in the stream, positioned at the magic string; read up to the end of the array,
     *     not closed
     * @return a new C-order array of the element type and shape the header declares
     * @throws IOException if the stream is not a well-formed .npy or ends early (the message
     *     says which)
     */
    public static INDArray read(InputStream in) throws IOException {
        return read(in, -1);
    }

    /**
     * Reads one array from a stream that holds exactly {@code size} bytes (-1: unknown). The
     * header is checked before anything large is allocated: its shape must not overflow, and
     * with a known size the header and the declared elements must account for exactly
     * {@code size} bytes, so a small file declaring a huge array is refused at once. The
     * elements are copied into the array's native buffer in chunks, with no heap copy of
     * the whole.
     *
     * @param in the stream, positioned at the magic string; not closed
     * @param size the stream's length in bytes, or -1 if unknown
     * @return a new C-order array of the element type and shape the header declares
     * @throws IOException saying what is wrong: malformed, truncated, a size that does not
     *     match, or an array larger than the memory ND4J may allocate
     */
    public static INDArray read(InputStream in, long size) throws IOException {
        return readBody(in, readHeader(in), size);
    }

    /**
     * Reads the elements that follow {@code header} (read by {@link #readHeader}) from a
     * stream of {@code size} bytes in all, header included (-1: unknown), checking the size
     * first as {@link #read(InputStream, long)} does.
     *
     * @param in the stream, positioned just after the header; not closed
     * @param header the header already read from {@code in}
     * @param size the stream's length in bytes, header included, or -1 if unknown
     * @return a new C-order array of the element type and shape {@code header} declares
     * @throws IOException if the size does not match the header, the stream ends early, or
     *     the array is too large to read ({@link TooLargeException} when it exceeds the
     *     memory ND4J may allocate)
     */
    public static INDArray readBody(InputStream in, Header header, long size) throws IOException {
        long bytes;
        try {
            bytes = Math.multiplyExact(header.elements(), (long) header.type().width());
        } catch (ArithmeticException e) {
            throw new IOException(".npy shape " + Arrays.toString(header.shape()) + " has more elements than can be addressed");
        }
        if (size >= 0 && header.headerBytes() + bytes != size) {
            throw new IOException(".npy header declares " + header.elements() + " elements of " + header.type() + " ("
                    + (header.headerBytes() + bytes) + " bytes with the header) but the data holds " + size + " bytes");
        }
        return readElements(in, header, bytes);
    }

    /**
     * A parsed .npy header.
     *
     * @param type the element type
     * @param shape the dimensions ({@code []} for a scalar)
     * @param elements their product
     * @param headerBytes bytes from the magic string to the end of the header
     */
    public record Header(DataType type, long[] shape, long elements, long headerBytes) {}

    /**
     * Reads the magic string, version and header dict.
     *
     * @param in the stream, positioned at the magic string; left just after the header, not
     *     closed
     * @return the parsed header
     * @throws IOException if they are malformed, or the shape's element count overflows
     */
    public static Header readHeader(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] magic = new byte[MAGIC.length];
        readFully(data, magic, "magic string");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a .npy stream: it does not start with \\x93NUMPY");
        }
        int major = data.readUnsignedByte();
        data.readUnsignedByte();
        long headerLength;
        int prefix;
        if (major == 1) {
            headerLength = data.readUnsignedByte() | (data.readUnsignedByte() << 8);
            prefix = MAGIC.length + 4;
        } else if (major == 2 || major == 3) {
            byte[] len = new byte[4];
            readFully(data, len, "header length");
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            prefix = MAGIC.length + 6;
        } else {
            throw new IOException("unsupported .npy version " + major);
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new IOException(".npy header of " + headerLength + " bytes is implausibly long");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        readFully(data, headerBytes, "header");
        String header = new String(headerBytes, StandardCharsets.ISO_8859_1);
        DataType type = typeOf(group(DESCR, header, "descr"));
        if (group(FORTRAN, header, "fortran_order").equals("True")) {
            throw new IOException(".npy arrays in Fortran order are not supported");
        }
        long[] shape = parseShape(group(SHAPE, header, "shape"));
        long elements = 1;
        for (long d : shape) {
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new IOException(".npy shape " + Arrays.toString(shape) + " has more elements than a long can count");
            }
        }
        return new Header(type, shape, elements, prefix + headerLength);
    }

    private static INDArray readElements(InputStream in, Header header, long bytes) throws IOException {
        DataType type = header.type();
        long[] shape = header.shape();
        if (header.elements() == 0) {
            return Nd4j.create(type, shape);
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new IOException(".npy array of " + header.elements() + " elements (" + bytes + " bytes) is too large to read");
        }
        long maxBytes = Pointer.maxBytes();
        if (maxBytes > 0 && Pointer.totalBytes() + bytes > maxBytes) {
            throw new TooLargeException(".npy array of " + bytes + " bytes does not fit in the " + (maxBytes - Pointer.totalBytes())
                    + " bytes ND4J may still allocate (the off-heap limit, by default -Xmx; raise it with -Xmx)");
        }
        INDArray array = shape.length == 0 ? Nd4j.scalar(type, 0) : Nd4j.create(type, shape, 'c');
        ByteBuffer target = array.data().asNio().order(ByteOrder.nativeOrder());
        target.position(0);
        boolean sameOrder = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        int width = type.width();
        byte[] chunk = new byte[(int) Math.min(bytes, (long) CHUNK_ELEMENTS * width)];
        DataInputStream data = new DataInputStream(in);
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(chunk.length, bytes - done);
            try {
                data.readFully(chunk, 0, n);
            } catch (EOFException e) {
                throw new IOException(".npy stream ends inside its data (" + header.elements() + " elements of " + type
                        + " declared; truncated)", e);
            }
            if (sameOrder) {
                target.put(chunk, 0, n);
            } else {
                ByteBuffer source = ByteBuffer.wrap(chunk, 0, n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i += width) {
                    switch (width) {
                        case Long.BYTES -> target.putLong(source.getLong());
                        default -> target.putInt(source.getInt());
                    }
                }
            }
            done += n;
        }
        return array;
    }

    /** A well-formed array that is larger than the memory ND4J may allocate. */
    public static final class TooLargeException extends IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    private static void readFully(DataInputStream in, byte[] target, String what) throws IOException {
        try {
            in.readFully(target);
        } catch (EOFException e) {
            throw new IOException(".npy stream ends inside its " + what + " (truncated)", e);
        }
    }

    private static String group(Pattern pattern, String header, String key) throws IOException {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw new IOException(".npy header has no '" + key + "': " + header.strip());
        }
        return m.group(1);
    }

    private static long[] parseShape(String dims) throws IOException {
        String[] parts = Arrays.stream(dims.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        long[] shape = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String s = parts[i].endsWith("L") ? parts[i].substring(0, parts[i].length() - 1) : parts[i];
            try {
                shape[i] = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IOException("bad .npy shape (" + dims + ")", e);
            }
            if (shape[i] < 0) {
                throw new IOException("bad .npy shape (" + dims + "): negative dimension");
            }
        }
        return shape;
    }
}
