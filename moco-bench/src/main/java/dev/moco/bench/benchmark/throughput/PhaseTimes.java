package dev.moco.bench.benchmark.throughput;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wall-clock time spent in named phases of a training step, accumulated per step and kept for
 * every measured step, so that medians can be reported per phase.
 */
public final class PhaseTimes {

    private final Map<String, Long> current = new LinkedHashMap<>();
    private final Map<String, List<Long>> history = new LinkedHashMap<>();

    /** Adds {@code nanos} to phase {@code name} of the current step. */
    void add(String name, long nanos) {
        current.merge(name, nanos, Long::sum);
    }

    /** Nanoseconds recorded so far in the current step for phase {@code name}. */
    long current(String name) {
        return current.getOrDefault(name, 0L);
    }

    /** Closes the current step: records its phases (0 for a phase that did not run). */
    void endStep() {
        for (String name : current.keySet()) {
            history.computeIfAbsent(name, k -> new ArrayList<>());
        }
        for (Map.Entry<String, List<Long>> e : history.entrySet()) {
            e.getValue().add(current.getOrDefault(e.getKey(), 0L));
        }
        current.clear();
    }

    /** Forgets everything recorded (after the warm-up). */
    void reset() {
        current.clear();
        history.clear();
    }

    /** The median nanoseconds per step of every phase, in first-seen order. */
    Map<String, Double> medians() {
        Map<String, Double> out = new LinkedHashMap<>();
        history.forEach((name, values) -> out.put(name, median(values)));
        return out;
    }

    /** The median of {@code values}, NaN for none. */
    public static double median(List<Long> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }
}
