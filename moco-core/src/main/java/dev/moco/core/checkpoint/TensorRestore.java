package dev.moco.core.checkpoint;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Copies checkpointed tensors into a run's live arrays, after checking that they fit: the
 * same names and the same shapes. The error names the component and tensor and both shapes,
 * so an incompatible checkpoint (another encoder, another K) is rejected with a reason and
 * before anything is overwritten.
 *
 * <pre>{@code
 * TensorRestore.requireCompatible("dictionary", dictionary.state(), checkpoint.component("dictionary"));
 * dictionary.restore(checkpoint.component("dictionary"));
 * TensorRestore.copy("optimizer", optimizer.state(), checkpoint.component("optimizer"));
 * }</pre>
 */
public final class TensorRestore {

    private TensorRestore() {}

    /**
     * Checks that {@code saved} has exactly the names of {@code live} with the same shapes.
     *
     * @throws CheckpointException naming the first mismatch
     */
    public static void requireCompatible(String component, Map<String, INDArray> live, Map<String, INDArray> saved) {
        TreeSet<String> missing = new TreeSet<>(live.keySet());
        missing.removeAll(saved.keySet());
        TreeSet<String> extra = new TreeSet<>(saved.keySet());
        extra.removeAll(live.keySet());
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new CheckpointException("checkpoint does not fit this run: " + component
                    + (missing.isEmpty() ? "" : " lacks " + missing)
                    + (missing.isEmpty() || extra.isEmpty() ? "" : " and")
                    + (extra.isEmpty() ? "" : " has unexpected " + extra));
        }
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            INDArray s = saved.get(e.getKey());
            if (!Arrays.equals(e.getValue().shape(), s.shape()) && e.getValue().length() + s.length() > 0) {
                throw new CheckpointException("checkpoint does not fit this run: " + component + "/" + e.getKey()
                        + " has shape " + Arrays.toString(s.shape()) + " in the checkpoint but "
                        + Arrays.toString(e.getValue().shape()) + " here");
            }
        }
    }

    /** {@link #requireCompatible}, then assigns each saved tensor into its live array. */
    public static void copy(String component, Map<String, INDArray> live, Map<String, INDArray> saved) {
        requireCompatible(component, live, saved);
        live.forEach((name, target) -> {
            if (target.length() > 0) {
                target.assign(saved.get(name).castTo(target.dataType()));
            }
        });
    }
}
