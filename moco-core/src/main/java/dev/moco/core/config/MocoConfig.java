package dev.moco.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.io.FileHandler;

/**
 * A validated run configuration: a preset ({@code moco-v1}, {@code moco-v2}), then a user's
 * properties file, then {@code key=value} overrides, each layer over the one before.
 *
 * <p>Every key must be known, to moco-core or to an installed dictionary provider (its
 * {@code settings()}); every value of moco-core's keys must have the right type and range.
 * A failure names the key, the value, and what is allowed.
 *
 * <pre>{@code
 * MocoConfig config = MocoConfig.builder(providerSettings)
 *         .preset("moco-v2")
 *         .set("queue.size", "4096")
 *         .build();
 * double t = config.getDouble(MocoConfig.TEMPERATURE);
 * }</pre>
 */
public final class MocoConfig {
    public static final String DICTIONARY = "dictionary";
    public static final String ENCODER = "encoder";
    public static final String ENCODER_WIDTH = "encoder.width";
    public static final String ENCODER_IMPLEMENTATION = "encoder.impl";
    /** The fast path's convolution arithmetic: fp32, or bf16 (AMX / AVX512-BF16 kernels; f32 master weights, BN, loss, optimizer). */
    public static final String ENCODER_PRECISION = "encoder.precision";
    public static final String HEAD = "head";
    public static final String HEAD_HIDDEN = "head.hidden";
    public static final String FEATURE_DIM = "feature.dim";
    public static final String TEMPERATURE = "temperature";
    public static final String BATCH_SIZE = "batch.size";
    public static final String SHUFFLE_GROUPS = "shuffle.groups";
    /** Whether the keys are permuted before their {@link #SHUFFLE_GROUPS} BN groups (default true; false is the paper's no-shuffle ablation). */
    public static final String SHUFFLE_ENABLED = "shuffle.enabled";
    /** BN groups of the query encoder's forward, one per emulated GPU (default 1: the whole batch). */
    public static final String QUERY_BN_GROUPS = "query.bn-groups";
    public static final String LEARNING_RATE = "optimizer.lr";
    public static final String MOMENTUM = "optimizer.momentum";
    public static final String WEIGHT_DECAY = "optimizer.weight-decay";
    public static final String SCHEDULE = "schedule";
    public static final String MILESTONES = "schedule.milestones";
    public static final String GAMMA = "schedule.gamma";
    public static final String EPOCHS = "epochs";
    public static final String AUGMENTATION = "augmentation";
    public static final String IMAGE_SIZE = "image.size";
    public static final String SEED = "seed";
    public static final String WORKERS = "workers";

    /** The presets shipped as {@code dev/moco/core/config/<name>.properties}. */
    public static final List<String> PRESETS = List.of("moco-v1", "moco-v2");

    private final Map<String, String> values;

    private MocoConfig(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * @param providerSettings keys declared by the installed dictionary providers, with
     *     their defaults (see {@code DictionaryRegistry.settings()})
     */
    public static Builder builder(Map<String, String> providerSettings) {
        return new Builder(providerSettings);
    }

    /** All keys and values, in the order they were first set. */
    public Map<String, String> asMap() {
        return values;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public String getString(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("configuration key '" + key + "' is not set");
        }
        return value.trim();
    }

    public int getInt(String key) {
        String value = getString(key);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key '" + key + "' must be an integer, got '" + value + "'");
        }
    }

    public long getLong(String key) {
        String value = getString(key);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key '" + key + "' must be an integer, got '" + value + "'");
        }
    }

    public double getDouble(String key) {
        String value = getString(key);
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key '" + key + "' must be a number, got '" + value + "'");
        }
    }

    public int[] getIntList(String key) {
        String value = getString(key);
        try {
            return value.isBlank() ? new int[0]
                    : java.util.Arrays.stream(value.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key '" + key
                    + "' must be comma-separated integers, got '" + value + "'");
        }
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Assembles and validates a {@link MocoConfig}. */
    public static final class Builder {
        private final Map<String, String> providerSettings;
        private final Map<String, String> values = new LinkedHashMap<>();

        private Builder(Map<String, String> providerSettings) {
            this.providerSettings = Map.copyOf(providerSettings);
            values.putAll(new java.util.TreeMap<>(CoreSettings.DEFAULTS));
            values.putAll(providerSettings);
        }

        /** Loads a shipped preset; its keys for dictionaries that are not installed are tolerated. */
        public Builder preset(String name) {
            if (!PRESETS.contains(name)) {
                throw new IllegalArgumentException("unknown preset '" + name + "'; available: " + String.join(", ", PRESETS));
            }
            String resource = "/dev/moco/core/config/" + name + ".properties";
            try (InputStream in = MocoConfig.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("preset resource " + resource + " is missing from the class path");
                }
                PropertiesConfiguration properties = new PropertiesConfiguration();
                new FileHandler(properties).load(in);
                Map<String, String> loaded = toMap(properties);
                values.putAll(loaded);
            } catch (IOException | ConfigurationException e) {
                throw new IllegalStateException("cannot read preset " + name + ": " + e.getMessage(), e);
            }
            return this;
        }

        /** Loads a user's properties file over what is set; every key in it must be known. */
        public Builder file(Path path) {
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("configuration file " + path + " does not exist");
            }
            try (Reader reader = Files.newBufferedReader(path)) {
                PropertiesConfiguration properties = new PropertiesConfiguration();
                new FileHandler(properties).load(reader);
                toMap(properties).forEach(this::set);
            } catch (IOException | ConfigurationException e) {
                throw new IllegalArgumentException("cannot read configuration file " + path + ": " + e.getMessage(), e);
            }
            return this;
        }

        /** Sets one key; it must be known to moco-core or an installed dictionary provider. */
        public Builder set(String key, String value) {
            key = key.trim();
            if (!CoreSettings.ALL.containsKey(key) && !providerSettings.containsKey(key)) {
                throw new IllegalArgumentException(unknownKeyMessage(key));
            }
            values.put(key, value.trim());
            return this;
        }

        /**
         * Takes every value of a configuration already validated (its keys were checked when it was built).
         *
         * @param validated a configuration, e.g. one a checkpoint recorded
         * @return this builder
         */
        public Builder setAll(MocoConfig validated) {
            values.putAll(validated.asMap());
            return this;
        }

        /**
         * @param key a configuration key
         * @return its value as set so far (a preset's, a file's or an override), or null if none is
         */
        public String current(String key) {
            return values.get(key);
        }

        /** Sets {@code key=value} pairs as the command line's {@code --set} gives them. */
        public Builder set(List<String> assignments) {
            for (String assignment : assignments) {
                int eq = assignment.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("'" + assignment + "' is not of the form key=value");
                }
                set(assignment.substring(0, eq), assignment.substring(eq + 1));
            }
            return this;
        }

        public MocoConfig build() {
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, String> entry : values.entrySet()) {
                Setting setting = CoreSettings.ALL.get(entry.getKey());
                if (setting == null) {
                    continue;     // a provider's key: the provider checks its range when it reads it
                }
                if (!isValid(setting, entry.getValue())) {
                    problems.add("configuration key '" + entry.getKey() + "' is '" + entry.getValue()
                            + "', but must be " + setting.allowed());
                }
            }
            for (String key : CoreSettings.ALL.keySet()) {
                if (!values.containsKey(key)) {
                    problems.add("configuration key '" + key + "' is not set (use a preset: "
                            + String.join(", ", PRESETS) + ")");
                }
            }
            if (problems.isEmpty()) {
                int batch = Integer.parseInt(values.get(BATCH_SIZE));
                for (String key : List.of(SHUFFLE_GROUPS, QUERY_BN_GROUPS)) {
                    int groups = Integer.parseInt(values.get(key));
                    if (batch % groups != 0) {
                        problems.add("configuration key '" + key + "' is " + groups
                                + ", but must divide " + BATCH_SIZE + " (" + batch + ")");
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("\n", problems));
            }
            return new MocoConfig(new LinkedHashMap<>(values));
        }

        private static boolean isValid(Setting setting, String value) {
            try {
                return setting.valid().test(value);
            } catch (NumberFormatException e) {
                return false;
            }
        }

        private String unknownKeyMessage(String key) {
            Set<String> known = new TreeSet<>(CoreSettings.ALL.keySet());
            known.addAll(providerSettings.keySet());
            String closest = null;
            int best = Integer.MAX_VALUE;
            for (String candidate : known) {
                int d = editDistance(key, candidate);
                if (d < best) {
                    best = d;
                    closest = candidate;
                }
            }
            String hint = best <= 3 ? " (did you mean '" + closest + "'?)" : "";
            return "unknown configuration key '" + key + "'" + hint + "; known keys: " + String.join(", ", known);
        }

        private static Map<String, String> toMap(PropertiesConfiguration properties) {
            Map<String, String> map = new LinkedHashMap<>();
            for (Iterator<String> keys = properties.getKeys(); keys.hasNext(); ) {
                String key = keys.next();
                // list delimiter handling is off by default: a comma list stays one string
                map.put(key, String.valueOf(properties.getString(key)));
            }
            return map;
        }

        private static int editDistance(String a, String b) {
            int[] previous = new int[b.length() + 1];
            int[] current = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                previous[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                current[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                }
                int[] t = previous;
                previous = current;
                current = t;
            }
            return previous[b.length()];
        }
    }
}
