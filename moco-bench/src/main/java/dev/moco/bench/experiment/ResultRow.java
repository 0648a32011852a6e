package dev.moco.bench.experiment;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One row of an experiment's results file: column name to value, as text. Numbers are
 * written with {@link #number(double)}; a blank value is a number that does not apply (NaN).
 */
public record ResultRow(Map<String, String> values) {

    public ResultRow {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The value of {@code column}, "" if the row has none. */
    public String get(String column) {
        return values.getOrDefault(column, "");
    }

    /** The value of {@code column} as a number; NaN when blank. */
    public double getDouble(String column) {
        String v = get(column);
        try {
            return v.isBlank() ? Double.NaN : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("column '" + column + "' holds '" + v + "', not a number");
        }
    }

    /** True when every entry of {@code key} has this value in this row. */
    public boolean matches(Map<String, String> key) {
        return key.entrySet().stream().allMatch(e -> get(e.getKey()).equals(e.getValue()));
    }

    /** A metric as the results files write it: 4 decimals, blank for NaN. */
    public static String number(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.4f", value);
    }

    /** A duration or throughput: 1 decimal, blank for NaN. */
    public static String rounded(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.1f", value);
    }
}
