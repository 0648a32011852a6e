package dev.moco.core.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The configuration keys moco-core itself reads, with their allowed values. */
final class CoreSettings {
    static final Map<String, Setting> ALL = index(List.of(
            Setting.text(MocoConfig.DICTIONARY),
            Setting.text(MocoConfig.ENCODER),
            Setting.integer(MocoConfig.ENCODER_WIDTH, 1),
            Setting.choice(MocoConfig.ENCODER_IMPLEMENTATION, "auto", "fast", "reference"),
            Setting.choice(MocoConfig.ENCODER_PRECISION, "fp32", "bf16"),
            Setting.choice(MocoConfig.HEAD, "linear", "mlp"),
            Setting.integer(MocoConfig.HEAD_HIDDEN, 1),
            Setting.integer(MocoConfig.FEATURE_DIM, 1),
            Setting.decimal(MocoConfig.TEMPERATURE, "a number > 0", t -> t > 0 && !t.isInfinite()),
            Setting.integer(MocoConfig.BATCH_SIZE, 1),
            Setting.integer(MocoConfig.SHUFFLE_GROUPS, 1),
            Setting.choice(MocoConfig.SHUFFLE_ENABLED, "true", "false"),
            Setting.integer(MocoConfig.QUERY_BN_GROUPS, 1),
            Setting.decimal(MocoConfig.LEARNING_RATE, "a number >= 0", v -> v >= 0 && !v.isInfinite()),
            Setting.decimal(MocoConfig.MOMENTUM, "a number in [0, 1)", v -> v >= 0 && v < 1),
            Setting.decimal(MocoConfig.WEIGHT_DECAY, "a number >= 0", v -> v >= 0 && !v.isInfinite()),
            Setting.choice(MocoConfig.SCHEDULE, "step", "cosine", "constant"),
            Setting.integerList(MocoConfig.MILESTONES),
            Setting.decimal(MocoConfig.GAMMA, "a number in (0, 1]", v -> v > 0 && v <= 1),
            Setting.integer(MocoConfig.EPOCHS, 1),
            Setting.choice(MocoConfig.AUGMENTATION, "none", "v1", "v2"),
            Setting.integer(MocoConfig.IMAGE_SIZE, 8),
            Setting.integer(MocoConfig.SEED, 0),
            Setting.integer(MocoConfig.WORKERS, 1)));

    /**
     * Values of keys added after the first presets, so that older checkpoints and
     * configuration files still build: keys BN over the shuffled batch, queries over the
     * whole batch, as before these keys existed.
     */
    static final Map<String, String> DEFAULTS = Map.of(
            MocoConfig.ENCODER_PRECISION, "fp32",
            MocoConfig.SHUFFLE_ENABLED, "true",
            MocoConfig.QUERY_BN_GROUPS, "1");

    private CoreSettings() {}

    private static Map<String, Setting> index(List<Setting> settings) {
        Map<String, Setting> map = new LinkedHashMap<>();
        settings.forEach(s -> map.put(s.key(), s));
        return Map.copyOf(map);
    }
}
