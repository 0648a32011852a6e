package dev.moco.core.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads a checkpoint written by {@link CheckpointWriter}, checking everything before
 * returning it: the zip structure, the format and version in the manifest, and each tensor's
 * presence, byte length, CRC-32, element type and shape. Nothing is deserialized as Java
 * objects.
 *
 * <pre>{@code
 * Checkpoint c = new CheckpointReader().read(runDir.resolve("latest.zip"));
 * }</pre>
 */
public final class CheckpointReader {

    /**
     * Reads and verifies {@code file}.
     *
     * @throws CheckpointException saying what is wrong with which file (missing, truncated,
     *     corrupt, another format)
     */
    public Checkpoint read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("no checkpoint file at " + file);
        }
        try (ZipFile zip = new ZipFile(file.toFile(), StandardCharsets.UTF_8)) {
            Properties manifest = manifest(zip, file);
            String format = manifest.getProperty(CheckpointManifest.KEY_FORMAT);
            if (!CheckpointManifest.FORMAT.equals(format)) {
                throw new CheckpointException(file + " is not a moco checkpoint (format '" + format + "')");
            }
            int version = intValue(manifest, CheckpointManifest.KEY_VERSION, file);
            if (version != CheckpointManifest.VERSION) {
                throw new CheckpointException(file + " has checkpoint format version " + version
                        + "; this build reads version " + CheckpointManifest.VERSION);
            }
            TrainingPosition position;
            try {
                position = new TrainingPosition(
                        intValue(manifest, CheckpointManifest.KEY_EPOCH, file),
                        longValue(manifest, CheckpointManifest.KEY_STEP_IN_EPOCH, file),
                        longValue(manifest, CheckpointManifest.KEY_GLOBAL_STEP, file),
                        longValue(manifest, CheckpointManifest.KEY_STEPS_PER_EPOCH, file));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
            Checkpoint.Builder builder = Checkpoint.builder(position);
            for (String key : manifest.stringPropertyNames()) {
                if (key.startsWith(CheckpointManifest.PROPERTY_PREFIX)) {
                    builder.property(key.substring(CheckpointManifest.PROPERTY_PREFIX.length()), manifest.getProperty(key));
                }
            }
            int tensors = intValue(manifest, CheckpointManifest.KEY_TENSORS, file);
            for (int i = 0; i < tensors; i++) {
                String name = required(manifest, CheckpointManifest.tensorKey(i, "name"), file);
                int slash = name.indexOf('/');
                if (slash <= 0) {
                    throw new CheckpointException(file + ": tensor name '" + name + "' has no component");
                }
                builder.tensor(name.substring(0, slash), name.substring(slash + 1), tensor(zip, manifest, i, name, file));
            }
            return builder.build();
        } catch (ZipException e) {
            throw new CheckpointException(file + " is corrupt or truncated (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CheckpointException("could not read checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    private static Properties manifest(ZipFile zip, Path file) throws IOException {
        ZipEntry entry = zip.getEntry(CheckpointManifest.ENTRY);
        if (entry == null) {
            throw new CheckpointException(file + " is not a moco checkpoint: it has no " + CheckpointManifest.ENTRY);
        }
        Properties manifest = new Properties();
        try (InputStream in = zip.getInputStream(entry)) {
            manifest.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return manifest;
    }

    private static INDArray tensor(ZipFile zip, Properties manifest, int index, String name, Path file)
            throws IOException {
        String entryName = required(manifest, CheckpointManifest.tensorKey(index, "entry"), file);
        long bytes = longValue(manifest, CheckpointManifest.tensorKey(index, "bytes"), file);
        long crc = longValue(manifest, CheckpointManifest.tensorKey(index, "crc32"), file);
        String dtype = required(manifest, CheckpointManifest.tensorKey(index, "dtype"), file);
        long[] shape = parseShape(required(manifest, CheckpointManifest.tensorKey(index, "shape"), file), file);
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) {
            throw new CheckpointException(file + " is corrupt: tensor '" + name + "' (" + entryName + ") is missing");
        }
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new CheckpointException(file + ": tensor '" + name + "' of " + bytes + " bytes is too large to read");
        }
        byte[] data;
        try (InputStream in = zip.getInputStream(entry)) {
            data = in.readNBytes((int) bytes + 1);
        }
        if (data.length != bytes) {
            throw new CheckpointException(file + " is corrupt: tensor '" + name + "' has " + data.length
                    + (data.length > bytes ? "+" : "") + " bytes, the manifest says " + bytes);
        }
        CRC32 check = new CRC32();
        check.update(data);
        if (check.getValue() != crc) {
            throw new CheckpointException(file + " is corrupt: tensor '" + name + "' fails its CRC-32 check");
        }
        INDArray array;
        try {
            array = Npy.read(new ByteArrayInputStream(data));
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(file + " is corrupt: tensor '" + name + "': " + e.getMessage(), e);
        }
        if (!array.dataType().name().equals(dtype) || !Arrays.equals(Npy.shapeOf(array), shape)) {
            throw new CheckpointException(file + " is corrupt: tensor '" + name + "' is " + array.dataType()
                    + " " + formatShape(array.shape()) + " but the manifest says " + dtype + " " + formatShape(shape));
        }
        return array;
    }

    private static String required(Properties manifest, String key, Path file) {
        String value = manifest.getProperty(key);
        if (value == null) {
            throw new CheckpointException(file + " is corrupt: its manifest has no '" + key + "'");
        }
        return value;
    }

    private static int intValue(Properties manifest, String key, Path file) {
        return Math.toIntExact(longValue(manifest, key, file));
    }

    private static long longValue(Properties manifest, String key, Path file) {
        String value = required(manifest, key, file);
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new CheckpointException(file + " is corrupt: manifest entry " + key + "='" + value + "' is not a number");
        }
    }

    /** Shape as written in manifests: comma-separated, empty for a scalar. */
    static String formatShape(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    private static long[] parseShape(String text, Path file) {
        if (text.isBlank()) {
            return new long[0];
        }
        try {
            return Arrays.stream(text.split(",")).map(String::strip).mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            throw new CheckpointException(file + " is corrupt: bad shape '" + text + "' in its manifest");
        }
    }

}
