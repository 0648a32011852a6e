package dev.moco.encoders.interop;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Opens a file written by {@code torch.save}, in either of its two containers, and reads its
 * pickle with {@link PickleReader}; tensors are read later, on demand, from the open file.
 *
 * <ul>
 *   <li><b>zip</b> (PyTorch 1.6 and later): one top-level directory holding {@code data.pkl},
 *       the pickle, one uncompressed entry {@code data/<key>} per storage, {@code version} and,
 *       in newer versions, {@code byteorder}.</li>
 *   <li><b>legacy</b> (before 1.6, or {@code _use_new_zipfile_serialization=False}): five
 *       pickles in a row (the magic number {@code 0x1950a86a20f9469cfc6c}, the protocol version
 *       1001, the system info, the object, the sorted list of storage keys), then each storage
 *       in that order as its int64 element count and its bytes.</li>
 * </ul>
 *
 * Every storage's size is checked against its entry or the file before any tensor is made.
 */
final class TorchCheckpointReader {

    /** The first 80-bit integer of a legacy file. */
    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long LEGACY_PROTOCOL = 1001;
    /** A state dict's pickle is kilobytes to a few megabytes (names and shapes only). */
    static final long MAX_PICKLE_BYTES = 256L << 20;

    /** The pickled value of an open checkpoint, whose tensors read from {@code resource} until it is closed. */
    record Opened(Object root, String container, Closeable resource) {
    }

    private TorchCheckpointReader() {
    }

    /** Whether {@code head}, the first bytes of a file, start a legacy checkpoint: protocol 2 and the magic number as LONG1. */
    static boolean isLegacy(byte[] head) {
        byte[] magic = LEGACY_MAGIC.toByteArray();
        if (head.length < 4 + magic.length || (head[0] & 0xff) != 0x80 || (head[2] & 0xff) != 0x8a || head[3] != magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[4 + i] != magic[magic.length - 1 - i]) {
                return false;
            }
        }
        return true;
    }

    /** The top-level directory of a zip that holds {@code <dir>/data.pkl}, or null. */
    static String archivePrefix(ZipFile zip) {
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                return name.substring(0, slash + 1);
            }
        }
        return null;
    }

    static Opened openZip(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new WeightsFileException(file + ": not a complete zip archive (truncated or damaged): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new WeightsFileException(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            Opened opened = readZip(file, zip);
            zip = null;
            return opened;
        } catch (IOException e) {
            throw new WeightsFileException(file + ": cannot read the PyTorch archive: " + e.getMessage(), e);
        } finally {
            closeQuietly(zip);
        }
    }

    private static Opened readZip(Path file, ZipFile zip) throws IOException {
        String prefix = archivePrefix(zip);
        if (prefix == null) {
            throw new WeightsFileException(file + ": a zip file without <dir>/data.pkl, so not a PyTorch checkpoint");
        }
        long fileSize = Files.size(file);
        ZipEntry byteOrder = zip.getEntry(prefix + "byteorder");
        if (byteOrder != null) {
            String order = new String(boundedRead(zip, byteOrder, 16), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) {
                throw new WeightsFileException(file + ": entry " + byteOrder.getName() + " says '" + order
                        + "'; only little-endian checkpoints are read");
            }
        }
        ZipEntry pickle = zip.getEntry(prefix + "data.pkl");
        long pickleSize = pickle.getSize();
        if (pickleSize < 0 || pickleSize > Math.min(MAX_PICKLE_BYTES, fileSize)) {
            throw new WeightsFileException(file + ": entry " + pickle.getName() + " declares " + pickleSize
                    + " bytes, more than the file or a state dict's pickle holds");
        }
        String where = file + " (" + pickle.getName() + ")";
        PickleReader.StorageResolver storages = (key, dtype, elements) -> zipStorage(file, zip, prefix, fileSize, key, dtype, elements);
        Object root;
        try (InputStream in = new BufferedInputStream(zip.getInputStream(pickle))) {
            root = PickleReader.read(in, pickleSize, where, storages);
        }
        return new Opened(root, "PyTorch zip", zip);
    }

    private static TorchStorage zipStorage(Path file, ZipFile zip, String prefix, long fileSize, String key, TorchDType dtype,
            long elements) {
        String name = prefix + "data/" + key;
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new WeightsFileException(file + ": the pickle names storage '" + key + "' but there is no entry " + name);
        }
        if (entry.getMethod() != ZipEntry.STORED) {
            throw new WeightsFileException(file + ": entry " + name + " is compressed; torch.save stores storages uncompressed");
        }
        long declared = byteSize(file, key, dtype, elements);
        if (declared > entry.getSize() || entry.getSize() > fileSize) {
            throw new WeightsFileException(file + ": storage '" + key + "' declares " + elements + " " + dtype.name().toLowerCase()
                    + " elements (" + declared + " bytes) but entry " + name + " holds " + entry.getSize()
                    + " bytes of a " + fileSize + "-byte file");
        }
        return new TorchStorage(key, dtype, elements, (offset, count) -> {
            try (InputStream in = zip.getInputStream(entry)) {
                in.skipNBytes(offset);
                byte[] b = in.readNBytes(count);
                if (b.length != count) {
                    throw new IOException("entry " + name + " ends early");
                }
                return ByteBuffer.wrap(b);
            }
        });
    }

    static Opened openLegacy(Path file) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            try {
                Opened opened = readLegacy(file, channel);
                channel = null;
                return opened;
            } finally {
                closeQuietly(channel);
            }
        } catch (IOException e) {
            throw new WeightsFileException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Where a legacy storage's bytes start, and how many elements the file records for it. */
    private record LegacyStorage(TorchDType dtype, long declaredElements, long[] dataAt) {
    }

    private static Opened readLegacy(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        Map<String, LegacyStorage> declared = new HashMap<>();
        Object root;
        List<?> keys;
        long storagesStart;
        try (CountingStream in = new CountingStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            Object magic = PickleReader.read(in, fileSize - in.count, file + " (magic number)", null);
            if (!LEGACY_MAGIC.equals(magic)) {
                throw new WeightsFileException(file + ": a pickle, but not a PyTorch checkpoint (no magic number)");
            }
            Object protocol = PickleReader.read(in, fileSize - in.count, file + " (protocol version)", null);
            if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol)) {
                throw new WeightsFileException(file + ": PyTorch legacy protocol " + protocol + ", only " + LEGACY_PROTOCOL + " is read");
            }
            Object sysInfo = PickleReader.read(in, fileSize - in.count, file + " (system info)", null);
            if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                throw new WeightsFileException(file + ": written on a big-endian machine; only little-endian checkpoints are read");
            }
            root = PickleReader.read(in, fileSize - in.count, file.toString(), (key, dtype, elements) -> {
                LegacyStorage s = declared.computeIfAbsent(key, k -> new LegacyStorage(dtype, elements, new long[] {-1}));
                if (s.dtype != dtype || s.declaredElements != elements) {
                    throw new WeightsFileException(file + ": storage '" + key + "' is declared twice with different types or sizes");
                }
                byteSize(file, key, dtype, elements);
                return new TorchStorage(key, dtype, elements, (offset, count) -> {
                    ByteBuffer b = ByteBuffer.allocate(count);
                    long at = s.dataAt[0] + offset;
                    while (b.hasRemaining()) {
                        if (channel.read(b, at + b.position()) < 0) {
                            throw new IOException("storage '" + key + "' ends early");
                        }
                    }
                    return b.flip();
                });
            });
            Object keyList = PickleReader.read(in, fileSize - in.count, file + " (storage keys)", null);
            if (!(keyList instanceof List<?> list)) {
                throw new WeightsFileException(file + ": the storage key list is missing after the pickle");
            }
            keys = list;
            storagesStart = in.count;
        }
        long at = storagesStart;
        List<String> unreferenced = new ArrayList<>();
        for (Object k : keys) {
            String key = String.valueOf(k);
            LegacyStorage s = declared.get(key);
            if (s == null) {
                unreferenced.add(key);
                break;
            }
            if (at + Long.BYTES > fileSize) {
                throw new WeightsFileException(file + ": storage '" + key + "' starts at byte " + at + ", past the end of the "
                        + fileSize + "-byte file (truncated?)");
            }
            ByteBuffer count = ByteBuffer.allocate(Long.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (count.hasRemaining()) {
                if (channel.read(count, at + count.position()) < 0) {
                    throw new IOException("storage '" + key + "' ends early");
                }
            }
            long recorded = count.flip().getLong();
            long bytes = byteSize(file, key, s.dtype, Math.max(recorded, 0));
            if (recorded != s.declaredElements || at + Long.BYTES + bytes > fileSize) {
                throw new WeightsFileException(file + ": storage '" + key + "' declares " + s.declaredElements + " "
                        + s.dtype.name().toLowerCase() + " elements, records " + recorded + " and the file has "
                        + Math.max(0, fileSize - at - Long.BYTES) + " bytes left for it");
            }
            s.dataAt[0] = at + Long.BYTES;
            at += Long.BYTES + bytes;
        }
        if (!unreferenced.isEmpty()) {
            throw new WeightsFileException(file + ": storage '" + unreferenced.get(0) + "' is listed but no tensor uses it;"
                    + " its element size is unknown, so the storages after it cannot be found");
        }
        for (Map.Entry<String, LegacyStorage> e : declared.entrySet()) {
            if (e.getValue().dataAt[0] < 0) {
                throw new WeightsFileException(file + ": storage '" + e.getKey() + "' is used by a tensor but not stored in the file");
            }
        }
        return new Opened(root, "PyTorch legacy", channel);
    }

    /** The bytes of {@code elements} elements, refusing a count whose size overflows. */
    private static long byteSize(Path file, String key, TorchDType dtype, long elements) {
        try {
            return Math.multiplyExact(elements, (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw new WeightsFileException(file + ": storage '" + key + "' declares " + elements + " elements, beyond any file");
        }
    }

    private static byte[] boundedRead(ZipFile zip, ZipEntry entry, int limit) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            return in.readNBytes(limit);
        }
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing after a failure: the failure is what the caller hears about
            }
        }
    }

    /** Counts the bytes read, so that the storages after the legacy pickles can be found. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
