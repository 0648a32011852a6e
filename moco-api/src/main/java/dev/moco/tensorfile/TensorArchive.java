package dev.moco.tensorfile;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one file format of tensors in this project, used by checkpoints and encoder weights: a
 * zip archive of NumPy {@code .npy} entries (so {@code numpy.load} reads each), a
 * {@value #MANIFEST} (Java properties, UTF-8, sorted, no date) and a {@value #DIGEST}.
 *
 * <ul>
 *   <li>The manifest holds the caller's properties and, per tensor {@code i},
 *       {@code tensor.i.name}, {@code .entry}, {@code .dtype}, {@code .shape},
 *       {@code .bytes} and {@code .sha256}, and {@code tensors=<count>}.</li>
 *   <li>{@value #DIGEST} holds the SHA-256 of the manifest's bytes, so every entry, the
 *       manifest included, is covered by a digest.</li>
 *   <li>The tensors are written first and the manifest and digest last, so a file cut short
 *       has neither (nor a zip central directory) and is rejected whole.</li>
 *   <li>Entries carry a fixed time and the manifest is sorted: identical contents give
 *       identical files.</li>
 * </ul>
 *
 * Reading checks before it allocates: a tensor's declared size against the zip entry's real
 * size and against its .npy header, and the memory it needs against the limit; it never
 * inflates more than the manifest declares (a zip bomb stops there), and turns overflowing
 * shapes into a message. Writing is atomic ({@link AtomicFile}).
 *
 * <pre>{@code
 * TensorArchive.write(path, "my weights", Map.of("format", "my-weights"), List.of(new TensorArchive.Tensor("w", "w.npy", w)));
 * TensorArchive.Contents c = TensorArchive.read(path);   // c.properties().get("format"), c.tensors().get("w")
 * }</pre>
 */
public final class TensorArchive {

    /** The name of the manifest entry, which lists the properties and the tensors. */
    public static final String MANIFEST = "manifest.properties";
    /** The name of the entry that holds the manifest's SHA-256, in hex, with a newline. */
    public static final String DIGEST = "manifest.sha256";
    static final String TENSORS = "tensors";
    private static final String TENSOR_PREFIX = "tensor.";
    /** A manifest of a million tensors stays under this; a larger one is not ours. */
    private static final int MAX_MANIFEST_BYTES = 64 << 20;
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2020, 1, 1, 0, 0);

    private TensorArchive() {}

    /**
     * One tensor of an archive.
     *
     * @param name its name in the manifest
     * @param entry its zip entry, ending in {@code .npy}
     * @param value the array (any order, views included)
     */
    public record Tensor(String name, String entry, INDArray value) {}

    /**
     * What an archive holds.
     *
     * @param properties the caller's properties (without the tensor records), sorted
     * @param tensors by name, in the order they were written
     */
    public record Contents(Map<String, String> properties, Map<String, INDArray> tensors) {}

    /**
     * Writes {@code tensors} and {@code properties} to {@code target}, replacing it
     * atomically.
     *
     * @param target the file to create or replace
     * @param comment the text of the manifest's first line, after {@code # }
     * @param properties the caller's properties, kept in the manifest; keys {@code tensors}
     *     and {@code tensor.*} are reserved
     * @param tensors the tensors, in the order they are written and read back
     * @throws IOException if writing fails; the target is then as it was
     * @throws IllegalArgumentException if a property key is one of the archive's own
     */
    public static void write(Path target, String comment, Map<String, String> properties, List<Tensor> tensors)
            throws IOException {
        Properties manifest = new Properties();
        properties.forEach((k, v) -> {
            if (k.equals(TENSORS) || k.startsWith(TENSOR_PREFIX)) {
                throw new IllegalArgumentException("property '" + k + "' is reserved for the tensor records");
            }
            manifest.setProperty(k, v);
        });
        AtomicFile.replace(target, channel -> {
            // not closed: closing would close the channel before AtomicFile forces it
            ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16),
                    StandardCharsets.UTF_8);
            zip.setLevel(Deflater.BEST_SPEED);
            int index = 0;
            for (Tensor tensor : tensors) {
                zip.putNextEntry(entry(tensor.entry()));
                MessageDigest sha = sha256();
                CountingOutputStream out = new CountingOutputStream(new DigestOutputStream(unclosable(zip), sha));
                Npy.write(tensor.value(), out);
                out.flush();
                zip.closeEntry();
                manifest.setProperty(key(index, "name"), tensor.name());
                manifest.setProperty(key(index, "entry"), tensor.entry());
                manifest.setProperty(key(index, "dtype"), tensor.value().dataType().name());
                manifest.setProperty(key(index, "shape"), formatShape(Npy.shapeOf(tensor.value())));
                manifest.setProperty(key(index, "bytes"), Long.toString(out.count()));
                manifest.setProperty(key(index, "sha256"), HexFormat.of().formatHex(sha.digest()));
                index++;
            }
            manifest.setProperty(TENSORS, Integer.toString(index));
            byte[] manifestBytes = sortedText(manifest, comment).getBytes(StandardCharsets.UTF_8);
            zip.putNextEntry(entry(MANIFEST));
            zip.write(manifestBytes);
            zip.closeEntry();
            zip.putNextEntry(entry(DIGEST));
            zip.write((HexFormat.of().formatHex(sha256().digest(manifestBytes)) + "\n").getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
            zip.finish();
            zip.flush();
        });
    }

    /**
     * Reads and verifies {@code file}: the manifest's digest, then each tensor's presence,
     * size, element type, shape and SHA-256.
     *
     * @param file the archive to read
     * @return its properties and tensors
     * @throws TensorFileException naming the file and what is wrong with it
     */
    public static Contents read(Path file) {
        if (Files.isDirectory(file)) {
            throw new TensorFileException(file + " is a directory, not a tensor file");
        }
        if (!Files.isRegularFile(file)) {
            throw new TensorFileException("no file at " + file);
        }
        try (ZipFile zip = new ZipFile(file.toFile(), StandardCharsets.UTF_8)) {
            byte[] manifestBytes = smallEntry(zip, MANIFEST, MAX_MANIFEST_BYTES, file);
            byte[] digest = smallEntry(zip, DIGEST, 256, file);
            String expected = new String(digest, StandardCharsets.US_ASCII).strip();
            if (!expected.equals(HexFormat.of().formatHex(sha256().digest(manifestBytes)))) {
                throw new TensorFileException(file + " is corrupt: its " + MANIFEST + " fails its SHA-256 check");
            }
            Properties manifest = new Properties();
            manifest.load(new InputStreamReader(new ByteArrayInputStream(manifestBytes), StandardCharsets.UTF_8));
            int count = intValue(manifest, TENSORS, file);
            if (count < 0 || count > zip.size()) {
                throw new TensorFileException(file + " is corrupt: its manifest lists " + count + " tensors but the archive has "
                        + zip.size() + " entries");
            }
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = required(manifest, key(i, "name"), file);
                if (tensors.put(name, tensor(zip, manifest, i, name, file)) != null) {
                    throw new TensorFileException(file + " is corrupt: tensor '" + name + "' is listed twice");
                }
            }
            Map<String, String> properties = new TreeMap<>();
            for (String k : manifest.stringPropertyNames()) {
                if (!k.equals(TENSORS) && !k.startsWith(TENSOR_PREFIX)) {
                    properties.put(k, manifest.getProperty(k));
                }
            }
            return new Contents(properties, tensors);
        } catch (ZipException e) {
            throw new TensorFileException(file + " is corrupt or truncated (not a readable zip archive: " + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new TensorFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static INDArray tensor(ZipFile zip, Properties manifest, int index, String name, Path file) throws IOException {
        String entryName = required(manifest, key(index, "entry"), file);
        long bytes = longValue(manifest, key(index, "bytes"), file);
        String sha = required(manifest, key(index, "sha256"), file);
        String dtype = required(manifest, key(index, "dtype"), file);
        long[] shape = parseShape(required(manifest, key(index, "shape"), file), file);
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) {
            throw new TensorFileException(file + " is corrupt: tensor '" + name + "' (" + entryName + ") is missing");
        }
        if (entry.getSize() >= 0 && entry.getSize() != bytes) {
            throw new TensorFileException(file + " is corrupt: tensor '" + name + "' has " + entry.getSize()
                    + " bytes in the archive, the manifest says " + bytes);
        }
        MessageDigest digest = sha256();
        try (InputStream raw = zip.getInputStream(entry);
                InputStream in = new DigestInputStream(new BoundedStream(raw, bytes), digest)) {
            Npy.Header header;
            INDArray array;
            try {
                header = Npy.readHeader(in);
                if (!header.type().name().equals(dtype) || !Arrays.equals(header.shape(), shape)) {
                    throw new TensorFileException(file + " is corrupt: tensor '" + name + "' is " + header.type() + " ["
                            + formatShape(header.shape()) + "] but the manifest says " + dtype + " [" + formatShape(shape) + "]");
                }
                array = Npy.readBody(in, header, bytes);
            } catch (Npy.TooLargeException e) {
                throw new TensorFileException(file + ": tensor '" + name + "' cannot be read: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new TensorFileException(file + " is corrupt: tensor '" + name + "': " + e.getMessage(), e);
            }
            if (in.read() != -1) {
                throw new TensorFileException(file + " is corrupt: tensor '" + name + "' holds more than the " + bytes
                        + " bytes the manifest says");
            }
            if (!HexFormat.of().formatHex(digest.digest()).equals(sha)) {
                throw new TensorFileException(file + " is corrupt: tensor '" + name + "' fails its SHA-256 check");
            }
            return array;
        }
    }

    /** The whole of a small entry, reading at most {@code limit} + 1 bytes whatever it inflates to. */
    private static byte[] smallEntry(ZipFile zip, String name, int limit, Path file) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new TensorFileException(file + (name.equals(MANIFEST)
                    ? " is not a moco checkpoint or weights file: it has no " + name
                    : " has no " + name + " (written by an older build of moco, or damaged)"));
        }
        if (entry.getSize() > limit) {
            throw new TensorFileException(file + " is corrupt: its " + name + " declares " + entry.getSize() + " bytes");
        }
        byte[] data;
        try (InputStream in = zip.getInputStream(entry)) {
            data = in.readNBytes(limit + 1);
        }
        if (data.length > limit) {
            throw new TensorFileException(file + " is corrupt: its " + name + " is longer than " + limit + " bytes");
        }
        return data;
    }

    /** The manifest's text: a comment line, then one {@code key=value} line per property, sorted. */
    private static String sortedText(Properties manifest, String comment) throws IOException {
        StringWriter text = new StringWriter();
        manifest.store(text, null);
        return text.toString().lines().filter(line -> !line.startsWith("#")).sorted()
                .collect(Collectors.joining("\n", "# " + comment + "\n", "\n"));
    }

    private static ZipEntry entry(String name) {
        ZipEntry entry = new ZipEntry(name);
        entry.setTimeLocal(ENTRY_TIME);
        return entry;
    }

    static String key(int index, String field) {
        return TENSOR_PREFIX + index + "." + field;
    }

    /**
     * A shape as written in manifests.
     *
     * @param shape the dimensions
     * @return them comma-separated without spaces, e.g. {@code 3,4}; empty for a scalar
     */
    public static String formatShape(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    private static long[] parseShape(String text, Path file) {
        if (text.isBlank()) {
            return new long[0];
        }
        try {
            return Arrays.stream(text.split(",")).map(String::strip).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            throw new TensorFileException(file + " is corrupt: bad shape '" + text + "' in its manifest");
        }
    }

    private static String required(Properties manifest, String key, Path file) {
        String value = manifest.getProperty(key);
        if (value == null) {
            throw new TensorFileException(file + " is corrupt: its manifest has no '" + key + "'");
        }
        return value;
    }

    private static int intValue(Properties manifest, String key, Path file) {
        long value = longValue(manifest, key, file);
        if (value != (int) value) {
            throw new TensorFileException(file + " is corrupt: manifest entry " + key + "=" + value + " is out of range");
        }
        return (int) value;
    }

    private static long longValue(Properties manifest, String key, Path file) {
        String value = required(manifest, key, file);
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new TensorFileException(file + " is corrupt: manifest entry " + key + "='" + value + "' is not a number");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static OutputStream unclosable(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() {
                // the zip stream stays open for the next entry
            }
        };
    }

    /** Passes on at most {@code limit} + 1 bytes: enough to tell that a stream is longer than declared, never more. */
    private static final class BoundedStream extends FilterInputStream {
        private long remaining;

        BoundedStream(InputStream in, long limit) {
            super(in);
            this.remaining = limit + 1;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }
}
