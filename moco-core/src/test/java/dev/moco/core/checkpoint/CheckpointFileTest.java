package dev.moco.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.tensorfile.Npy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointFileTest {

    @TempDir
    Path dir;

    static Checkpoint sample(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Checkpoint.builder(new TrainingPosition(2, 5, 45, 20))
                .property("seed", Long.toString(seed))
                .property("config.moco.temperature", "0.2")
                .tensor(Checkpoint.QUERY_ENCODER, "parameters", Nd4j.rand(DataType.FLOAT, 300))
                .tensor(Checkpoint.QUERY_ENCODER, "buffers", Nd4j.create(DataType.FLOAT, 0))
                .tensor(Checkpoint.OPTIMIZER, "velocity", Nd4j.rand(DataType.FLOAT, 300))
                .tensors(Checkpoint.DICTIONARY, Map.of(
                        "queue", Nd4j.rand(DataType.FLOAT, 16, 8),
                        "pointer", Nd4j.scalar(DataType.INT64, 3L)))
                .build();
    }

    @Test
    void roundTripsEverything() {
        Checkpoint written = sample(7);
        Path file = dir.resolve("latest.zip");
        new CheckpointWriter().write(written, file);

        Checkpoint read = new CheckpointReader().read(file);

        assertThat(read.position()).isEqualTo(written.position());
        assertThat(read.properties()).isEqualTo(written.properties());
        assertThat(read.components().keySet()).containsExactlyElementsOf(written.components().keySet());
        written.components().forEach((component, tensors) -> tensors.forEach((name, t) -> {
            INDArray back = read.tensor(component, name);
            assertThat(back.shape()).as(name).containsExactly(t.shape());
            assertThat(back.dataType()).as(name).isEqualTo(t.dataType());
            if (t.length() > 0) {
                assertThat(back).as(name).isEqualTo(t);
            }
        }));
        try (var files = Files.list(dir)) {
            assertThat(files).as("no temporary files left").containsExactly(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void truncatedFileIsRejectedWithItsName() throws IOException {
        Path file = dir.resolve("latest.zip");
        new CheckpointWriter().write(sample(1), file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(all, all.length / 2));

        assertThatThrownBy(() -> new CheckpointReader().read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("corrupt or truncated");
    }

    @Test
    void flippedByteFailsTheChecksum() throws IOException {
        Path file = dir.resolve("latest.zip");
        // random floats barely compress, so the middle of the file is tensor data
        Checkpoint c = Checkpoint.builder(new TrainingPosition(0, 0, 0, 1))
                .tensor(Checkpoint.QUERY_ENCODER, "parameters", Nd4j.rand(DataType.FLOAT, 4096)).build();
        new CheckpointWriter().write(c, file);
        byte[] all = Files.readAllBytes(file);
        all[all.length / 3] ^= 0x10;
        Files.write(file, all);

        assertThatThrownBy(() -> new CheckpointReader().read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void manifestLengthMismatchIsCorruption() throws IOException {
        Path file = dir.resolve("forged.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("tensors/0-a.npy"));
            Npy.write(Nd4j.ones(DataType.FLOAT, 3), zip);
            zip.closeEntry();
            byte[] manifest = String.join("\n", "format=moco-checkpoint", "format.version=2", "position.epoch=0",
                    "position.step-in-epoch=0", "position.global-step=0", "position.steps-per-epoch=1",
                    "tensors=1", "tensor.0.name=query-encoder/parameters", "tensor.0.entry=tensors/0-a.npy",
                    "tensor.0.dtype=FLOAT", "tensor.0.shape=3", "tensor.0.bytes=999", "tensor.0.sha256=0").getBytes();
            zip.putNextEntry(new ZipEntry(CheckpointManifest.ENTRY));
            zip.write(manifest);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(dev.moco.tensorfile.TensorArchive.DIGEST));
            zip.write(java.util.HexFormat.of().formatHex(sha256(manifest)).getBytes());
            zip.closeEntry();
        }
        assertThatThrownBy(() -> new CheckpointReader().read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("query-encoder/parameters")
                .hasMessageContaining("the manifest says 999");
    }

    @Test
    void otherZipFilesAreNotCheckpoints() throws IOException {
        Path file = dir.resolve("other.zip");
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
            zip.closeEntry();
        }
        assertThatThrownBy(() -> new CheckpointReader().read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a moco checkpoint");
        assertThatThrownBy(() -> new CheckpointReader().read(dir.resolve("missing.zip")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("no checkpoint file");
    }

    @Test
    void failedWriteLeavesThePreviousFileIntact() throws IOException {
        Path file = dir.resolve("latest.zip");
        new CheckpointWriter().write(sample(1), file);
        byte[] before = Files.readAllBytes(file);

        assertThatThrownBy(() -> CheckpointWriter.failingAfter(2).write(sample(2), file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("simulated failure")
                .hasMessageContaining("previous latest.zip is unchanged");

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(new CheckpointReader().read(file).requireProperty("seed")).isEqualTo("1");
        try (var files = Files.list(dir)) {
            assertThat(files).as("temporary file removed").containsExactly(file);
        }
    }

    @Test
    void unsupportedTensorTypesAreRejectedBeforeWriting() {
        Checkpoint c = Checkpoint.builder(new TrainingPosition(0, 0, 0, 1))
                .tensor(Checkpoint.DICTIONARY, "flags", Nd4j.create(DataType.BOOL, 2)).build();
        assertThatThrownBy(() -> new CheckpointWriter().write(c, dir.resolve("x.zip")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("dictionary/flags");
        assertThat(dir.resolve("x.zip")).doesNotExist();
    }

    static byte[] sha256(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFlippedValueInTheManifestFailsItsDigest() throws IOException {
        Path file = dir.resolve("c.zip");
        new CheckpointWriter().write(Checkpoint.builder(new TrainingPosition(1, 0, 4, 4))
                .property("config.queue.momentum", "0.999")
                .tensor(Checkpoint.QUERY_ENCODER, "parameters", Nd4j.ones(DataType.FLOAT, 4)).build(), file);
        java.util.Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
            }
        }
        String manifest = new String(entries.get(CheckpointManifest.ENTRY), java.nio.charset.StandardCharsets.UTF_8);
        entries.put(CheckpointManifest.ENTRY, manifest.replace("0.999", "0.998").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (java.util.Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        assertThatThrownBy(() -> new CheckpointReader().read(file)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("manifest.properties fails its SHA-256 check");
    }

    @Test
    void aCheckpointWithANonFiniteTensorIsNotWritten() {
        Path file = dir.resolve("nan.zip");
        INDArray buffers = Nd4j.ones(DataType.FLOAT, 6);
        buffers.putScalar(3, Float.POSITIVE_INFINITY);
        Checkpoint c = Checkpoint.builder(new TrainingPosition(0, 1, 1, 4))
                .tensor(Checkpoint.QUERY_ENCODER, "parameters", Nd4j.ones(DataType.FLOAT, 4))
                .tensor(Checkpoint.QUERY_ENCODER, "buffers", buffers).build();
        assertThatThrownBy(() -> new CheckpointWriter().write(c, file)).isInstanceOf(NonFiniteTensorException.class)
                .hasMessageContaining("tensor 'query-encoder/buffers' holds 1 NaN or infinite value of 6");
        assertThat(file).doesNotExist();
    }

    @Test
    void tensorsOfAMapAreWrittenInNameOrderWhateverTheMapsOrder() {
        Map<String, INDArray> state = Map.of("queue", Nd4j.ones(2, 2), "queue.pointer", Nd4j.scalar(1L),
                "key-encoder.parameters", Nd4j.ones(3), "key-encoder.buffers", Nd4j.ones(1));
        Checkpoint c = Checkpoint.builder(new TrainingPosition(0, 0, 0, 1)).tensors(Checkpoint.DICTIONARY, state).build();
        assertThat(c.component(Checkpoint.DICTIONARY).keySet())
                .containsExactly("key-encoder.buffers", "key-encoder.parameters", "queue", "queue.pointer");
    }
}
