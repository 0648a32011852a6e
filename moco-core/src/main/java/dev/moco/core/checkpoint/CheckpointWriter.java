package dev.moco.core.checkpoint;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a {@link Checkpoint} atomically: into a temporary file in the target's directory,
 * forced to disk, then renamed over the target with {@link StandardCopyOption#ATOMIC_MOVE},
 * and the directory forced too. A reader sees the old file or the new one, never a part;
 * when writing fails the temporary file is removed and the target is untouched. The format
 * is described in {@link CheckpointManifest}; no Java serialization is involved.
 *
 * <pre>{@code
 * new CheckpointWriter().write(checkpoint, runDir.resolve("latest.zip"));
 * }</pre>
 */
public final class CheckpointWriter {

    /** Fails the write after this many tensors (tests of the atomicity); -1: never. */
    private final int failAfterTensors;

    public CheckpointWriter() {
        this(-1);
    }

    private CheckpointWriter(int failAfterTensors) {
        this.failAfterTensors = failAfterTensors;
    }

    /** A writer that throws an {@link IOException} after writing {@code tensors} tensors. */
    static CheckpointWriter failingAfter(int tensors) {
        return new CheckpointWriter(tensors);
    }

    /**
     * Writes {@code checkpoint} to {@code target}, replacing it atomically.
     *
     * @throws CheckpointException naming the file if anything goes wrong; the target is then
     *     as it was
     */
    public void write(Checkpoint checkpoint, Path target) {
        checkSupported(checkpoint);
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream file = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                // not closed: closing would close the channel before it is forced; the channel is closed below
                ZipOutputStream zip = new ZipOutputStream(file, StandardCharsets.UTF_8);
                zip.setLevel(Deflater.BEST_SPEED);
                writeEntries(checkpoint, zip);
                zip.finish();
                zip.flush();
                channel.force(true);
            }
            moveAtomically(tmp, absolute);
            tmp = null;
            forceDirectory(dir);
        } catch (IOException e) {
            throw new CheckpointException("could not write checkpoint " + target + ": " + e.getMessage()
                    + (Files.exists(absolute) ? " (the previous " + absolute.getFileName() + " is unchanged)" : ""), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temporary file does not harm the checkpoint
                }
            }
        }
    }

    private void writeEntries(Checkpoint checkpoint, ZipOutputStream zip) throws IOException {
        Properties manifest = new Properties();
        TrainingPosition p = checkpoint.position();
        manifest.setProperty(CheckpointManifest.KEY_FORMAT, CheckpointManifest.FORMAT);
        manifest.setProperty(CheckpointManifest.KEY_VERSION, Integer.toString(CheckpointManifest.VERSION));
        manifest.setProperty(CheckpointManifest.KEY_EPOCH, Integer.toString(p.epoch()));
        manifest.setProperty(CheckpointManifest.KEY_STEP_IN_EPOCH, Long.toString(p.stepInEpoch()));
        manifest.setProperty(CheckpointManifest.KEY_GLOBAL_STEP, Long.toString(p.globalStep()));
        manifest.setProperty(CheckpointManifest.KEY_STEPS_PER_EPOCH, Long.toString(p.stepsPerEpoch()));
        checkpoint.properties().forEach((k, v) -> manifest.setProperty(CheckpointManifest.PROPERTY_PREFIX + k, v));

        int index = 0;
        for (Map.Entry<String, Map<String, INDArray>> component : checkpoint.components().entrySet()) {
            for (Map.Entry<String, INDArray> tensor : component.getValue().entrySet()) {
                if (index == failAfterTensors) {
                    throw new IOException("simulated failure after " + index + " tensors");
                }
                String entry = CheckpointManifest.entryName(index, component.getKey(), tensor.getKey());
                INDArray value = tensor.getValue();
                zip.putNextEntry(new ZipEntry(entry));
                CountingCrc out = new CountingCrc(zip);
                Npy.write(value, out);
                out.flush();
                zip.closeEntry();
                manifest.setProperty(CheckpointManifest.tensorKey(index, "name"), component.getKey() + "/" + tensor.getKey());
                manifest.setProperty(CheckpointManifest.tensorKey(index, "entry"), entry);
                manifest.setProperty(CheckpointManifest.tensorKey(index, "dtype"), value.dataType().name());
                manifest.setProperty(CheckpointManifest.tensorKey(index, "shape"), CheckpointReader.formatShape(Npy.shapeOf(value)));
                manifest.setProperty(CheckpointManifest.tensorKey(index, "bytes"), Long.toString(out.count));
                manifest.setProperty(CheckpointManifest.tensorKey(index, "crc32"), Long.toString(out.getChecksum().getValue()));
                index++;
            }
        }
        manifest.setProperty(CheckpointManifest.KEY_TENSORS, Integer.toString(index));
        StringWriter text = new StringWriter();
        manifest.store(text, "moco checkpoint");
        zip.putNextEntry(new ZipEntry(CheckpointManifest.ENTRY));
        zip.write(text.toString().getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }

    private static void checkSupported(Checkpoint checkpoint) {
        checkpoint.components().forEach((component, tensors) -> tensors.forEach((name, t) -> {
            try {
                Npy.descr(t.dataType());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException("cannot checkpoint tensor '" + component + "/" + name + "': " + e.getMessage());
            }
        }));
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to.getParent() + " cannot rename atomically", e);
        }
    }

    /** Forces the directory entry of a rename to disk (Linux; a no-op where unsupported). */
    static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not all platforms let a directory be opened; the rename itself is still atomic
        }
    }

    /** Counts bytes and their CRC-32 on their way into the zip entry, without closing it. */
    private static final class CountingCrc extends CheckedOutputStream {
        long count;

        CountingCrc(OutputStream out) {
            super(new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() {
                    // the zip stream stays open for the next entry
                }
            }, new CRC32());
        }

        @Override
        public void write(int b) throws IOException {
            super.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            super.write(b, off, len);
            count += len;
        }
    }
}
