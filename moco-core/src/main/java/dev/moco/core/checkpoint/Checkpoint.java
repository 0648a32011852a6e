package dev.moco.core.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything needed to continue a training run exactly: its {@link TrainingPosition}, named
 * tensors grouped by component (the query encoder's parameters and buffers, the optimizer
 * state, the dictionary state, which holds the key encoder), and string properties (seed,
 * encoder specification, dictionary name, the configuration).
 *
 * <pre>{@code
 * Checkpoint c = Checkpoint.builder(position)
 *         .property("seed", "42")
 *         .tensor(Checkpoint.QUERY_ENCODER, "parameters", encoder.parameters())
 *         .tensors(Checkpoint.DICTIONARY, dictionary.state())
 *         .build();
 * new CheckpointWriter().write(c, dir.resolve("latest.zip"));
 * }</pre>
 *
 * <p>Tensors are held as given (live views are fine as long as the checkpoint is written
 * before training continues).
 */
public final class Checkpoint {

    /** Component of the query encoder's {@code parameters} and {@code buffers}. */
    public static final String QUERY_ENCODER = "query-encoder";
    /** Component of the optimizer's state (e.g. momentum buffers). */
    public static final String OPTIMIZER = "optimizer";
    /** Component of {@link dev.moco.api.Dictionary#state()}. */
    public static final String DICTIONARY = "dictionary";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final TrainingPosition position;
    private final Map<String, String> properties;
    private final Map<String, Map<String, INDArray>> components;

    private Checkpoint(Builder b) {
        this.position = b.position;
        this.properties = Collections.unmodifiableMap(new TreeMap<>(b.properties));
        Map<String, Map<String, INDArray>> copy = new LinkedHashMap<>();
        b.components.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        this.components = Collections.unmodifiableMap(copy);
    }

    public static Builder builder(TrainingPosition position) {
        return new Builder(position);
    }

    public TrainingPosition position() {
        return position;
    }

    /** All properties, sorted by key. */
    public Map<String, String> properties() {
        return properties;
    }

    public Optional<String> property(String key) {
        return Optional.ofNullable(properties.get(key));
    }

    /**
     * The property's value.
     *
     * @throws CheckpointException if the checkpoint has no such property
     */
    public String requireProperty(String key) {
        String value = properties.get(key);
        if (value == null) {
            throw new CheckpointException("checkpoint has no property '" + key + "'");
        }
        return value;
    }

    /** Component name to (tensor name to tensor), in insertion order. */
    public Map<String, Map<String, INDArray>> components() {
        return components;
    }

    /** The tensors of one component; empty if it has none. */
    public Map<String, INDArray> component(String component) {
        return components.getOrDefault(component, Map.of());
    }

    /**
     * One tensor.
     *
     * @throws CheckpointException if it is absent
     */
    public INDArray tensor(String component, String name) {
        INDArray t = component(component).get(name);
        if (t == null) {
            throw new CheckpointException("checkpoint has no tensor '" + component + "/" + name + "'");
        }
        return t;
    }

    /** Builds a {@link Checkpoint}; names are checked as they are added. */
    public static final class Builder {
        private final TrainingPosition position;
        private final Map<String, String> properties = new TreeMap<>();
        private final Map<String, Map<String, INDArray>> components = new LinkedHashMap<>();

        private Builder(TrainingPosition position) {
            this.position = Objects.requireNonNull(position, "position");
        }

        public Builder property(String key, String value) {
            if (key == null || key.isBlank() || key.chars().anyMatch(c -> c == '=' || c == ':' || Character.isWhitespace(c))) {
                throw new IllegalArgumentException("bad checkpoint property key '" + key + "'");
            }
            properties.put(key, Objects.requireNonNull(value, () -> "value of property " + key));
            return this;
        }

        /** Adds every entry, each key prefixed with {@code prefix}. */
        public Builder properties(String prefix, Map<String, String> values) {
            values.forEach((k, v) -> property(prefix + k, v));
            return this;
        }

        public Builder tensor(String component, String name, INDArray value) {
            checkName("component", component);
            if (name == null || name.isBlank() || name.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("bad tensor name '" + name + "' in component " + component);
            }
            Map<String, INDArray> tensors = components.computeIfAbsent(component, c -> new LinkedHashMap<>());
            if (tensors.putIfAbsent(name, Objects.requireNonNull(value, name)) != null) {
                throw new IllegalArgumentException("tensor '" + component + "/" + name + "' added twice");
            }
            return this;
        }

        /**
         * Adds every tensor of {@code values} to {@code component}, sorted by name: a map such as
         * {@code Map.of} iterates in an order that changes from one JVM to the next, and
         * identical runs must give identical files.
         */
        public Builder tensors(String component, Map<String, INDArray> values) {
            checkName("component", component);
            components.computeIfAbsent(component, c -> new LinkedHashMap<>());
            new TreeMap<>(values).forEach((name, value) -> tensor(component, name, value));
            return this;
        }

        public Checkpoint build() {
            return new Checkpoint(this);
        }

        private static void checkName(String what, String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("bad checkpoint " + what + " '" + name
                        + "': use letters, digits, '.', '_' and '-', starting with a letter or digit");
            }
        }
    }
}
