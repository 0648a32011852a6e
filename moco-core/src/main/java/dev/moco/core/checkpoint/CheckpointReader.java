package dev.moco.core.checkpoint;

import dev.moco.tensorfile.TensorArchive;
import dev.moco.tensorfile.TensorFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads a checkpoint written by {@link CheckpointWriter}, checking everything before
 * returning it: the archive's digests and sizes ({@link TensorArchive#read}, which refuses
 * crafted and damaged files before allocating), then the format and version in the manifest
 * and the position. Nothing is deserialized as Java objects.
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
     *     corrupt, crafted, another format)
     */
    public Checkpoint read(Path file) {
        if (Files.isDirectory(file)) {
            throw new CheckpointException(file + " is a directory with no checkpoint in it");
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("no checkpoint file at " + file);
        }
        TensorArchive.Contents contents;
        try {
            contents = TensorArchive.read(file);
        } catch (TensorFileException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
        Map<String, String> manifest = contents.properties();
        String format = manifest.get(CheckpointManifest.KEY_FORMAT);
        if (!CheckpointManifest.FORMAT.equals(format)) {
            throw new CheckpointException(file + " is not a moco checkpoint (format '" + format + "')");
        }
        long version = longValue(manifest, CheckpointManifest.KEY_VERSION, file);
        if (version != CheckpointManifest.VERSION) {
            throw new CheckpointException(file + " has checkpoint format version " + version
                    + "; this build reads version " + CheckpointManifest.VERSION);
        }
        TrainingPosition position;
        try {
            position = new TrainingPosition(
                    Math.toIntExact(longValue(manifest, CheckpointManifest.KEY_EPOCH, file)),
                    longValue(manifest, CheckpointManifest.KEY_STEP_IN_EPOCH, file),
                    longValue(manifest, CheckpointManifest.KEY_GLOBAL_STEP, file),
                    longValue(manifest, CheckpointManifest.KEY_STEPS_PER_EPOCH, file));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
        Checkpoint.Builder builder = Checkpoint.builder(position);
        manifest.forEach((key, value) -> {
            if (key.startsWith(CheckpointManifest.PROPERTY_PREFIX)) {
                builder.property(key.substring(CheckpointManifest.PROPERTY_PREFIX.length()), value);
            }
        });
        for (Map.Entry<String, INDArray> tensor : contents.tensors().entrySet()) {
            String name = tensor.getKey();
            int slash = name.indexOf('/');
            if (slash <= 0) {
                throw new CheckpointException(file + ": tensor name '" + name + "' has no component");
            }
            try {
                builder.tensor(name.substring(0, slash), name.substring(slash + 1), tensor.getValue());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
        }
        return builder.build();
    }

    private static long longValue(Map<String, String> manifest, String key, Path file) {
        String value = manifest.get(key);
        if (value == null) {
            throw new CheckpointException(file + " is corrupt: its manifest has no '" + key + "'");
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new CheckpointException(file + " is corrupt: manifest entry " + key + "='" + value + "' is not a number");
        }
    }
}
