package dev.moco.downstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Hyper-parameters of linear classification on frozen features. {@link #preset()} is the
 * MoCo paper's protocol ({@code linear-eval.properties}); {@link #with(String, String)}
 * overrides one key, checked.
 *
 * @param epochs passes over the training features
 * @param batchSize features per SGD step
 * @param learningRate initial learning rate
 * @param momentum SGD momentum
 * @param weightDecay L2 weight decay (0 in the paper)
 * @param milestones epochs at which the learning rate is multiplied by {@code gamma}
 * @param gamma the step schedule's factor
 * @param standardize subtract the training features' per-dimension mean and divide by their
 *     standard deviation (not part of the paper's protocol; off in the preset)
 * @param seed the order of the training features in each epoch
 */
public record LinearProbeSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
        int[] milestones, double gamma, boolean standardize, long seed) {

    private static final Set<String> KEYS = Set.of("epochs", "batch-size", "lr", "momentum", "weight-decay", "milestones",
            "gamma", "standardize", "seed");

    public LinearProbeSettings {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch-size must be positive, got " + epochs + " and " + batchSize);
        }
        if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1) || !(weightDecay >= 0) || !(gamma > 0)) {
            throw new IllegalArgumentException("need lr > 0, momentum in [0, 1), weight-decay >= 0, gamma > 0; got "
                    + learningRate + ", " + momentum + ", " + weightDecay + ", " + gamma);
        }
        milestones = milestones.clone();
    }

    /** The paper's protocol, from {@code linear-eval.properties}. */
    public static LinearProbeSettings preset() {
        Properties p = new Properties();
        try (InputStream in = LinearProbeSettings.class.getResourceAsStream("linear-eval.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the linear-eval preset", e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k)));
        return fromMap(values);
    }

    /** These settings with {@code key} set to {@code value}; keys as in {@code linear-eval.properties}. */
    public LinearProbeSettings with(String key, String value) {
        Map<String, String> values = asMap();
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("unknown linear-eval setting '" + key + "'; known: " + String.join(", ",
                    new java.util.TreeSet<>(KEYS)));
        }
        values.put(key, value);
        return fromMap(values);
    }

    /** The settings under their preset keys. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("epochs", Integer.toString(epochs));
        m.put("batch-size", Integer.toString(batchSize));
        m.put("lr", Double.toString(learningRate));
        m.put("momentum", Double.toString(momentum));
        m.put("weight-decay", Double.toString(weightDecay));
        m.put("milestones", String.join(",", Arrays.stream(milestones).mapToObj(Integer::toString).toList()));
        m.put("gamma", Double.toString(gamma));
        m.put("standardize", Boolean.toString(standardize));
        m.put("seed", Long.toString(seed));
        return m;
    }

    private static LinearProbeSettings fromMap(Map<String, String> v) {
        for (String key : v.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown linear-eval setting '" + key + "'");
            }
        }
        String key = "";
        try {
            key = "epochs";
            int epochs = Integer.parseInt(v.get(key).trim());
            key = "batch-size";
            int batch = Integer.parseInt(v.get(key).trim());
            key = "lr";
            double lr = Double.parseDouble(v.get(key).trim());
            key = "momentum";
            double momentum = Double.parseDouble(v.get(key).trim());
            key = "weight-decay";
            double wd = Double.parseDouble(v.get(key).trim());
            key = "milestones";
            String m = v.get(key).trim();
            int[] milestones = m.isEmpty() ? new int[0] : Arrays.stream(m.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            key = "gamma";
            double gamma = Double.parseDouble(v.get(key).trim());
            key = "standardize";
            String st = v.get(key).trim();
            if (!st.equals("true") && !st.equals("false")) {
                throw new IllegalArgumentException("linear-eval setting 'standardize' must be true or false, got '" + st + "'");
            }
            key = "seed";
            long seed = Long.parseLong(v.get(key).trim());
            return new LinearProbeSettings(epochs, batch, lr, momentum, wd, milestones, gamma, Boolean.parseBoolean(st), seed);
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("linear-eval setting '" + key + "' is missing or not a number: " + v.get(key), e);
        }
    }

    @Override
    public int[] milestones() {
        return milestones.clone();
    }
}
