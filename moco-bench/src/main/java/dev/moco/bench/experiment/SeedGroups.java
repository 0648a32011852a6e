package dev.moco.bench.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Result rows grouped by an experiment's key columns: one group per setting, one row per seed, in file order. */
final class SeedGroups {

    private final Map<Map<String, String>, List<ResultRow>> groups;

    private SeedGroups(Map<Map<String, String>, List<ResultRow>> groups) {
        this.groups = groups;
    }

    static SeedGroups of(List<ResultRow> rows, List<String> keyColumns) {
        Map<Map<String, String>, List<ResultRow>> groups = new LinkedHashMap<>();
        for (ResultRow row : rows) {
            Map<String, String> key = new LinkedHashMap<>();
            keyColumns.forEach(c -> key.put(c, row.get(c)));
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
        }
        return new SeedGroups(groups);
    }

    List<Map<String, String>> keys() {
        return List.copyOf(groups.keySet());
    }

    List<ResultRow> rows(Map<String, String> key) {
        return groups.getOrDefault(key, List.of());
    }

    /** The distinct values of {@code column} among the keys, in first-seen order. */
    List<String> values(String column) {
        return groups.keySet().stream().map(k -> k.get(column)).distinct().toList();
    }

    /** {@code column} of every seed of {@code key}, blanks left out. */
    List<Double> values(Map<String, String> key, String column) {
        return rows(key).stream().map(r -> r.getDouble(column)).filter(v -> !v.isNaN()).toList();
    }

    Spread spread(Map<String, String> key, String column) {
        return Spread.of(values(key, column));
    }

    double mean(Map<String, String> key, String column) {
        return spread(key, column).mean();
    }

    /**
     * One chart series: for each of {@code categories} (values of the single key column
     * {@code keyColumn}), the mean of {@code column} in percent, 0 where no seed has it.
     */
    List<Double> percentMeans(String keyColumn, List<String> categories, String column) {
        return categories.stream().map(c -> 100 * mean(Map.of(keyColumn, c), column)).map(x -> x.isNaN() ? 0.0 : x).toList();
    }
}
