package dev.moco.tensorfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The tensor archive round-trips exactly and byte-identically, and refuses damaged and crafted
 * files cheaply (before allocating what they declare) with a message, never an
 * OutOfMemoryError or an ArithmeticException.
 */
class TensorArchiveTest {

    @TempDir
    Path dir;

    private static List<TensorArchive.Tensor> sample() {
        return List.of(new TensorArchive.Tensor("a/weights", "0-a.npy", Nd4j.linspace(DataType.FLOAT, 1, 12, 1).reshape(3, 4)),
                new TensorArchive.Tensor("a/pointer", "1-p.npy", Nd4j.scalar(7L)),
                new TensorArchive.Tensor("b/empty", "2-e.npy", Nd4j.create(DataType.DOUBLE, 0)));
    }

    @Test
    void roundTripsExactlyAndIdenticalContentsGiveIdenticalFiles() throws IOException {
        Path first = dir.resolve("first.zip");
        Path second = dir.resolve("second.zip");
        TensorArchive.write(first, "test", Map.of("format", "test", "b", "2"), sample());
        TensorArchive.write(second, "test", Map.of("b", "2", "format", "test"), sample());
        assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));

        TensorArchive.Contents c = TensorArchive.read(first);
        assertThat(c.properties()).containsExactly(Map.entry("b", "2"), Map.entry("format", "test"));
        assertThat(c.tensors().keySet()).containsExactly("a/weights", "a/pointer", "b/empty");
        assertThat(c.tensors().get("a/weights")).isEqualTo(sample().get(0).value());
        assertThat(c.tensors().get("a/pointer").getLong(0)).isEqualTo(7L);
    }

    @Test
    void oneFlippedBitInTheManifestFailsItsDigest() throws IOException {
        Path file = dir.resolve("t.zip");
        TensorArchive.write(file, "test", Map.of("queue.momentum", "0.999"), sample());
        Map<String, byte[]> entries = entries(file);
        String manifest = new String(entries.get(TensorArchive.MANIFEST), StandardCharsets.UTF_8);
        entries.put(TensorArchive.MANIFEST, manifest.replace("0.999", "0.998").getBytes(StandardCharsets.UTF_8));
        zip(file, entries);

        assertThatThrownBy(() -> TensorArchive.read(file)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("manifest.properties fails its SHA-256 check");
    }

    @Test
    void aSmallEntryWhoseHeaderDeclaresHalfAGigaFloatIsRefusedBeforeAllocating() throws IOException {
        // 3 MB of data under a header declaring 500 M floats (2 GB); the manifest agrees with the header
        byte[] header = Npy.header(DataType.FLOAT, new long[] {500_000_000L});
        byte[] npy = new byte[header.length + 3_000_000];
        System.arraycopy(header, 0, npy, 0, header.length);
        Path file = dir.resolve("crafted.zip");
        craft(file, "w.npy", npy, "FLOAT", "500000000", npy.length);
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();

        assertThatThrownBy(() -> TensorArchive.read(file)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("declares 500000000 elements of FLOAT")
                .hasMessageContaining("holds " + npy.length + " bytes");
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertThat(after - before).as("heap grown while refusing").isLessThan(256L << 20);
    }

    @Test
    void anEntryInflatingToMoreThanTheManifestSaysIsRefusedWithoutInflatingIt() throws IOException {
        // 32 MB of zeros deflate to about 32 KB; the manifest claims a small tensor
        byte[] header = Npy.header(DataType.FLOAT, new long[] {50_000_000L});
        Path file = dir.resolve("bomb.zip");
        byte[] manifestSmall = manifest("w.npy", "FLOAT", "4", header.length + 16, "0");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("w.npy"));
            zip.write(header);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 32; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
            putManifest(zip, manifestSmall);
        }
        assertThat(Files.size(file)).isLessThan(2L << 20);
        assertThatThrownBy(() -> TensorArchive.read(file)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining("tensor 'w' has " + (header.length + 32L * (1 << 20)) + " bytes in the archive")
                .hasMessageContaining("the manifest says " + (header.length + 16));
    }

    @Test
    void aShapeWhoseElementCountOverflowsIsAMessage() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }";
        ByteArrayOutputStream npy = new ByteArrayOutputStream();
        npy.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) (dict.length() + 1), 0});
        npy.writeBytes((dict + "\n").getBytes(StandardCharsets.US_ASCII));
        Path file = dir.resolve("overflow.zip");
        craft(file, "w.npy", npy.toByteArray(), "FLOAT", "4611686018427387904,4", npy.size());

        assertThatThrownBy(() -> TensorArchive.read(file)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining("has more elements than a long can count");
        assertThatThrownBy(() -> Npy.read(new java.io.ByteArrayInputStream(npy.toByteArray())))
                .isInstanceOf(IOException.class).hasMessageContaining("more elements than a long can count");
    }

    @Test
    void aTruncatedFileIsCorruptNotAStackTrace() throws IOException {
        Path file = dir.resolve("t.zip");
        TensorArchive.write(file, "test", Map.of(), sample());
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> TensorArchive.read(file)).isInstanceOf(TensorFileException.class)
                .hasMessageContaining("corrupt or truncated");
    }

    /** A one-tensor archive whose manifest and digest are consistent with {@code npy} as given. */
    private static void craft(Path file, String entry, byte[] npy, String dtype, String shape, long bytes) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry(entry));
            zip.write(npy);
            zip.closeEntry();
            putManifest(zip, manifest(entry, dtype, shape, bytes, HexFormat.of().formatHex(sha256(npy))));
        }
    }

    private static byte[] manifest(String entry, String dtype, String shape, long bytes, String sha) {
        return String.join("\n", "tensors=1", "tensor.0.name=w", "tensor.0.entry=" + entry, "tensor.0.dtype=" + dtype,
                "tensor.0.shape=" + shape, "tensor.0.bytes=" + bytes, "tensor.0.sha256=" + sha, "").getBytes(StandardCharsets.UTF_8);
    }

    private static void putManifest(ZipOutputStream zip, byte[] manifest) throws IOException {
        zip.putNextEntry(new ZipEntry(TensorArchive.MANIFEST));
        zip.write(manifest);
        zip.closeEntry();
        zip.putNextEntry(new ZipEntry(TensorArchive.DIGEST));
        zip.write(HexFormat.of().formatHex(sha256(manifest)).getBytes(StandardCharsets.US_ASCII));
        zip.closeEntry();
    }

    private static Map<String, byte[]> entries(Path file) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
            }
        }
        return entries;
    }

    private static void zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
