package dev.moco.core.run.internal;

import dev.moco.core.StepResult;
import dev.moco.core.run.EpochReport;
import dev.moco.core.run.TrainingPosition;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running sums of the epoch in progress, from which its {@link EpochReport} is computed.
 * Mid-epoch checkpoints record them, so the metrics of an epoch that was resumed part-way
 * cover all of its steps, not only those after the resume.
 */
public final class EpochAccumulator {

    private static final String LOSS_SUM = "loss-sum";
    private static final String ACCURACY_SUM = "accuracy-sum";
    private static final String STEPS = "steps";
    private static final String IMAGES = "images";
    private static final String NANOS = "nanos";
    private static final String LEARNING_RATE = "learning-rate";

    private double lossSum;
    private double accuracySum;
    private long steps;
    private long images;
    private long nanos;
    private double lastLearningRate = Double.NaN;

    /** Adds one step of {@code batchSize} images that took {@code stepNanos}. */
    void add(StepResult result, int batchSize, long stepNanos) {
        lossSum += result.loss();
        accuracySum += result.accuracy();
        steps++;
        images += batchSize;
        nanos += stepNanos;
        lastLearningRate = result.learningRate();
    }

    /** The report of the epoch these totals cover, which ended at {@code position}. */
    EpochReport report(TrainingPosition position) {
        return new EpochReport(position, steps, lossSum / steps, accuracySum / steps, images / (nanos / 1e9),
                lastLearningRate);
    }

    /** Steps added so far. */
    public long steps() {
        return steps;
    }

    /** A copy. */
    public EpochAccumulator copy() {
        return fromMap(toMap());
    }

    /** The totals as text values (exact: doubles are written with {@link Double#toString}). */
    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(LOSS_SUM, Double.toString(lossSum));
        map.put(ACCURACY_SUM, Double.toString(accuracySum));
        map.put(STEPS, Long.toString(steps));
        map.put(IMAGES, Long.toString(images));
        map.put(NANOS, Long.toString(nanos));
        map.put(LEARNING_RATE, Double.toString(lastLearningRate));
        return map;
    }

    /**
     * The totals written by {@link #toMap}; empty totals for an empty map (a checkpoint taken
     * at an epoch end).
     *
     * @throws IllegalArgumentException if a value is missing or not a number
     */
    public static EpochAccumulator fromMap(Map<String, String> map) {
        EpochAccumulator t = new EpochAccumulator();
        if (map.isEmpty()) {
            return t;
        }
        try {
            t.lossSum = Double.parseDouble(require(map, LOSS_SUM));
            t.accuracySum = Double.parseDouble(require(map, ACCURACY_SUM));
            t.steps = Long.parseLong(require(map, STEPS));
            t.images = Long.parseLong(require(map, IMAGES));
            t.nanos = Long.parseLong(require(map, NANOS));
            t.lastLearningRate = Double.parseDouble(require(map, LEARNING_RATE));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad epoch totals " + map + ": " + e.getMessage(), e);
        }
        return t;
    }

    private static String require(Map<String, String> map, String key) {
        String value = map.get(key);
        if (value == null) {
            throw new IllegalArgumentException("epoch totals lack '" + key + "' (found " + map.keySet() + ")");
        }
        return value;
    }
}
