package dev.moco.core.checkpoint;

import dev.moco.api.kit.StepWorkspace;
import dev.moco.core.run.TrainingPosition;
import dev.moco.tensorfile.AtomicFile;
import dev.moco.tensorfile.Npy;
import dev.moco.tensorfile.TensorArchive;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

/**
 * Writes a {@link Checkpoint} atomically as a {@link TensorArchive} (format in
 * {@link CheckpointManifest}): a reader sees the old file or the new one, never a part; when
 * writing fails the target is untouched. Only finite checkpoints are written. No Java
 * serialization is involved.
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

    /** A writer that fails after writing {@code tensors} tensors. */
    static CheckpointWriter failingAfter(int tensors) {
        return new CheckpointWriter(tensors);
    }

    /**
     * Writes {@code checkpoint} to {@code target}, replacing it atomically.
     *
     * @throws NonFiniteTensorException if a tensor holds NaN or infinite values; nothing is
     *     written then
     * @throws CheckpointException naming the file if anything goes wrong; the target is then
     *     as it was
     */
    public void write(Checkpoint checkpoint, Path target) {
        try (MemoryWorkspace saveMemory = StepWorkspace.open(StepWorkspace.SAVE)) {  // copies made to write, reused
            writeInWorkspace(checkpoint, target);
        }
    }

    private void writeInWorkspace(Checkpoint checkpoint, Path target) {
        checkSupported(checkpoint);
        FiniteTensors.require(checkpoint);
        Map<String, String> properties = new TreeMap<>();
        TrainingPosition p = checkpoint.position();
        properties.put(CheckpointManifest.KEY_FORMAT, CheckpointManifest.FORMAT);
        properties.put(CheckpointManifest.KEY_VERSION, Integer.toString(CheckpointManifest.VERSION));
        properties.put(CheckpointManifest.KEY_EPOCH, Integer.toString(p.epoch()));
        properties.put(CheckpointManifest.KEY_STEP_IN_EPOCH, Long.toString(p.stepInEpoch()));
        properties.put(CheckpointManifest.KEY_GLOBAL_STEP, Long.toString(p.globalStep()));
        properties.put(CheckpointManifest.KEY_STEPS_PER_EPOCH, Long.toString(p.stepsPerEpoch()));
        checkpoint.properties().forEach((k, v) -> properties.put(CheckpointManifest.PROPERTY_PREFIX + k, v));
        List<TensorArchive.Tensor> tensors = new ArrayList<>();
        checkpoint.components().forEach((component, values) -> values.forEach((name, value) -> tensors.add(
                new TensorArchive.Tensor(component + "/" + name,
                        CheckpointManifest.entryName(tensors.size(), component, name), value))));
        try {
            TensorArchive.write(target, "moco checkpoint", properties, failAfterTensors < 0 ? tensors : failing(tensors));
        } catch (IOException | UncheckedIOException e) {
            throw new CheckpointException("could not write checkpoint " + target + ": " + e.getMessage()
                    + (Files.exists(target) ? " (the previous " + target.getFileName() + " is unchanged)" : ""), e);
        }
    }

    /**
     * Copies the checkpoint file {@code source} to {@code target}, replacing it atomically: an
     * independent copy, not a link, so damage to one file never reaches the other.
     */
    public void copy(Path source, Path target) {
        try {
            AtomicFile.copy(source, target);
        } catch (IOException e) {
            throw new CheckpointException("could not copy checkpoint " + source + " to " + target + ": " + e.getMessage()
                    + (Files.exists(target) ? " (the previous " + target.getFileName() + " is unchanged)" : ""), e);
        }
    }

    /** The tensors, failing when the one after the first {@code failAfterTensors} is taken. */
    private List<TensorArchive.Tensor> failing(List<TensorArchive.Tensor> tensors) {
        return new AbstractList<>() {
            @Override
            public TensorArchive.Tensor get(int index) {
                if (index == failAfterTensors) {
                    throw new UncheckedIOException(new IOException("simulated failure after " + index + " tensors"));
                }
                return tensors.get(index);
            }

            @Override
            public int size() {
                return tensors.size();
            }
        };
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
}
