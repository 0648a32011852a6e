package dev.moco.core.testing;

import dev.moco.api.Collective;
import dev.moco.api.testing.FiniteDifferences;
import dev.moco.api.testing.ThreadCollective;
import dev.moco.core.run.Pretraining;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything one replica of a pretraining run holds when it ends, copied out of the run, and
 * the loss of every step: what the replicas of a data-parallel run must agree on with each
 * other and with the single-process run.
 *
 * <pre>{@code
 * TrainedState single = TrainedState.train(builder(Collective.SINGLE_PROCESS));
 * List<TrainedState> replicas = TrainedState.trainOnThreads(2, collective -> builder(collective));
 * assertThat(replicas.get(0).maxRelativeDifference(single)).isLessThan(1e-5);
 * assertThat(replicas.get(1).bitwiseEquals(replicas.get(0))).isTrue();
 * }</pre>
 *
 * @param tensors by name ({@code query-encoder/parameters}, {@code optimizer/state},
 *     {@code dictionary/queue}, ...), as DOUBLE copies (exact for FLOAT)
 * @param losses the loss of every step, in order
 */
public record TrainedState(Map<String, INDArray> tensors, double[] losses) {

    /**
     * Builds, runs and closes {@code builder}'s run.
     *
     * @param builder a configured run (with its collective, if any)
     * @return its state at the end, and its losses
     */
    public static TrainedState train(Pretraining.Builder builder) {
        List<Double> losses = new ArrayList<>();
        try (Pretraining run = builder.afterStep(step -> losses.add(step.loss())).build()) {
            run.run();
            return of(run, losses.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    /**
     * Trains W replicas of one data-parallel run on W threads ({@link ThreadCollective}).
     *
     * @param workers W
     * @param builder the run of one worker, given its collective (this method sets it on the builder)
     * @return each replica's state, in rank order
     */
    public static List<TrainedState> trainOnThreads(int workers, Function<Collective, Pretraining.Builder> builder) {
        return ThreadCollective.run(workers, collective -> train(builder.apply(collective).collective(collective)));
    }

    /**
     * Copies the state of a run: the query encoder's parameters and buffers, the optimizer's
     * state, and every entry of the dictionary's state.
     *
     * @param run a built run
     * @param losses the losses of its steps
     * @return the copies
     */
    public static TrainedState of(Pretraining run, double[] losses) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("query-encoder/parameters", copy(run.queryEncoder().parameters()));
        tensors.put("query-encoder/buffers", copy(run.queryEncoder().buffers()));
        tensors.put("optimizer/state", copy(run.trainer().optimizer().state()));
        run.dictionary().state().forEach((name, value) -> tensors.put("dictionary/" + name, copy(value)));
        return new TrainedState(tensors, losses);
    }

    /**
     * {@return the largest relative difference of a tensor from {@code expected}'s: over the
     * tensors, max |a − b| / max(|a|, |b|) ({@link FiniteDifferences#relativeError})}
     *
     * @throws IllegalArgumentException if the two hold tensors of other names or shapes
     */
    public double maxRelativeDifference(TrainedState expected) {
        return relativeDifferences(expected).values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /**
     * {@return each tensor's relative difference from {@code expected}'s, max |a − b| / max(|a|, |b|), by name}
     *
     * @throws IllegalArgumentException if the two hold tensors of other names or shapes
     */
    public Map<String, Double> relativeDifferences(TrainedState expected) {
        requireSameLayout(expected);
        Map<String, Double> differences = new LinkedHashMap<>();
        tensors.forEach((name, value) -> differences.put(name,
                value.length() == 0 ? 0 : FiniteDifferences.relativeError(value, expected.tensors.get(name))));
        return differences;
    }

    /** {@return the largest relative difference of a step's loss from {@code expected}'s, |a − b| / |b|} */
    public double maxLossDifference(TrainedState expected) {
        if (losses.length != expected.losses.length) {
            throw new IllegalArgumentException(losses.length + " steps against " + expected.losses.length);
        }
        double max = 0;
        for (int i = 0; i < losses.length; i++) {
            max = Math.max(max, Math.abs(losses[i] - expected.losses[i]) / Math.abs(expected.losses[i]));
        }
        return max;
    }

    /** {@return whether every tensor and every loss equals {@code other}'s bit for bit} */
    public boolean bitwiseEquals(TrainedState other) {
        requireSameLayout(other);
        if (!Arrays.equals(losses, other.losses)) {
            return false;
        }
        return tensors.entrySet().stream().allMatch(e -> Arrays.equals(values(e.getValue()), values(other.tensors.get(e.getKey()))));
    }

    private void requireSameLayout(TrainedState other) {
        if (!tensors.keySet().equals(other.tensors.keySet())) {
            throw new IllegalArgumentException("tensors " + tensors.keySet() + " against " + other.tensors.keySet());
        }
        tensors.forEach((name, value) -> {
            if (!Arrays.equals(value.shape(), other.tensors.get(name).shape())) {
                throw new IllegalArgumentException(name + " is " + Arrays.toString(value.shape()) + " against "
                        + Arrays.toString(other.tensors.get(name).shape()));
            }
        });
    }

    private static INDArray copy(INDArray live) {
        return live.isEmpty() ? live.dup() : live.castTo(DataType.DOUBLE).dup('c');
    }

    private static double[] values(INDArray tensor) {
        return tensor.length() == 0 ? new double[0] : tensor.data().asDouble();
    }
}
