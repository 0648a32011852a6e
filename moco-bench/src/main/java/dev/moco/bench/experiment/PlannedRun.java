package dev.moco.bench.experiment;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One run an experiment plans: the values of its key columns (what identifies its row), the
 * configuration keys it sets over the preset, the budget and the user's {@code --set}s, and
 * what is measured.
 *
 * @param key the experiment's own key columns (the driver adds budget and seed)
 * @param seed the run's seed (the configuration's {@code seed})
 * @param settings configuration keys this run sets
 * @param kind what the run does
 */
record PlannedRun(Map<String, String> key, long seed, Map<String, String> settings, Kind kind) {

    enum Kind {
        /** Evaluate the encoder as the seed initialises it (the untrained baseline). */
        UNTRAINED,
        /** Pretrain, then evaluate kNN and linear once: one row. */
        FINAL,
        /** Pretrain, evaluating kNN after every epoch: one row per epoch (and the untrained epoch 0). */
        PER_EPOCH,
        /** The experiment's own procedure ({@link Experiment#runCustom}): one row. */
        CUSTOM
    }

    PlannedRun {
        key = new LinkedHashMap<>(key);
        settings = new LinkedHashMap<>(settings);
    }

    /** "queue k=4096 seed=0": for the log and the run directory. */
    String describe() {
        StringBuilder s = new StringBuilder();
        key.forEach((k, v) -> s.append(s.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return s.append(" seed=").append(seed).toString();
    }

    /** A directory name made of the key values and the seed. */
    String directoryName() {
        StringBuilder s = new StringBuilder();
        key.values().forEach(v -> s.append(v.replaceAll("[^A-Za-z0-9.+-]", "_")).append('-'));
        return s.append("seed").append(seed).toString();
    }
}
