package dev.moco.core.config;

import java.util.List;
import java.util.function.Predicate;

/**
 * One configuration key of moco-core: its type and the values it allows, described in words
 * for error messages ("an integer >= 1", "one of step, cosine").
 */
record Setting(String key, Type type, String allowed, Predicate<String> valid) {

    enum Type { INTEGER, DECIMAL, TEXT, INTEGER_LIST }

    static Setting integer(String key, long min) {
        return new Setting(key, Type.INTEGER, "an integer >= " + min, v -> Long.parseLong(v.trim()) >= min);
    }

    static Setting decimal(String key, String allowed, Predicate<Double> range) {
        return new Setting(key, Type.DECIMAL, allowed, v -> range.test(Double.parseDouble(v.trim())));
    }

    static Setting choice(String key, String... values) {
        List<String> choices = List.of(values);
        return new Setting(key, Type.TEXT, "one of " + String.join(", ", values), v -> choices.contains(v.trim()));
    }

    static Setting text(String key) {
        return new Setting(key, Type.TEXT, "a non-empty name", v -> !v.isBlank());
    }

    static Setting integerList(String key) {
        return new Setting(key, Type.INTEGER_LIST, "comma-separated integers >= 0", v -> {
            for (String part : v.split(",")) {
                if (!part.isBlank() && Integer.parseInt(part.trim()) < 0) {
                    return false;
                }
            }
            return true;
        });
    }
}
