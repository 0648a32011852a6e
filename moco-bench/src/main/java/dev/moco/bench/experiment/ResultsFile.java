package dev.moco.bench.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An experiment's {@code results/<experiment>.csv}: a header of fixed columns, then one row
 * per finished run, appended (and flushed) the moment the run finishes, so an experiment
 * interrupted at any point keeps every row it finished. A row is identified by its key
 * columns (e.g. mechanism, K, budget, seed); {@link #contains} tells a re-run which rows to
 * skip. Every header ends with the {@link Provenance} columns {@code commit} and {@code cpu},
 * which {@link #append} fills for the running build and machine.
 *
 * <pre>
 * mechanism,k,budget,seed,negatives,knn_accuracy,linear_accuracy,...,commit,cpu
 * queue,4096,small,0,4096,0.7123,0.7456,...,0123abc...,AMD EPYC
 * </pre>
 *
 * A file written before the provenance columns existed (its header is the experiment's
 * columns alone) is read with {@code unknown} in both; the first append rewrites it with the
 * full header, its old rows saying {@code unknown}.
 *
 * Values hold no commas, quotes or line breaks (they are names and numbers), so the file is
 * plain comma-separated text that any tool reads.
 */
public final class ResultsFile {

    private final Path file;
    private final List<String> columns;
    private final List<String> keyColumns;
    private final List<ResultRow> rows = new ArrayList<>();
    private final Provenance provenance;
    /** The file's header lacks the provenance columns: rewritten with them on the first append. */
    private boolean withoutProvenance;

    private ResultsFile(Path file, List<String> columns, List<String> keyColumns, Provenance provenance) {
        this.file = file;
        List<String> all = new ArrayList<>(columns);
        all.removeAll(Provenance.COLUMNS);
        all.addAll(Provenance.COLUMNS);
        this.columns = List.copyOf(all);
        this.keyColumns = List.copyOf(keyColumns);
        this.provenance = provenance;
    }

    /**
     * Opens {@code file}, reading the rows already there, or creates it with its header.
     *
     * Rows appended record this build's commit and this machine's CPU ({@link Provenance#current()}).
     *
     * @throws IllegalArgumentException if the file's header is not {@code columns} followed by
     *     the provenance columns, nor {@code columns} alone (written by another version of the
     *     experiment), naming both
     */
    public static ResultsFile open(Path file, List<String> columns, List<String> keyColumns) {
        return open(file, columns, keyColumns, Provenance.current());
    }

    /** {@link #open(Path, List, List)}, with rows appended recording {@code provenance}. */
    static ResultsFile open(Path file, List<String> columns, List<String> keyColumns, Provenance provenance) {
        if (!columns.containsAll(keyColumns)) {
            throw new IllegalArgumentException("key columns " + keyColumns + " are not all among " + columns);
        }
        ResultsFile results = new ResultsFile(file, columns, keyColumns, provenance);
        String header = String.join(",", results.columns);
        List<String> oldColumns = results.columns.subList(0, results.columns.size() - Provenance.COLUMNS.size());
        try {
            if (Files.isRegularFile(file)) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                String found = lines.isEmpty() ? "" : lines.get(0).strip();
                results.withoutProvenance = found.equals(String.join(",", oldColumns));
                if (!found.equals(header) && !results.withoutProvenance) {
                    throw new IllegalArgumentException(file + " has the header '" + found
                            + "' but this experiment writes '" + header + "'; move the old file away to start it anew");
                }
                List<String> fileColumns = results.withoutProvenance ? oldColumns : results.columns;
                for (int i = 1; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (!line.isEmpty()) {
                        Map<String, String> values = parse(file, i + 1, line, fileColumns);
                        if (results.withoutProvenance) {
                            values.put("commit", Provenance.UNKNOWN);
                            values.put("cpu", Provenance.UNKNOWN);
                        }
                        results.rows.add(new ResultRow(values));
                    }
                }
            } else {
                Path parent = file.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                Files.writeString(file, header + "\n", StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
        return results;
    }

    private static Map<String, String> parse(Path file, int lineNumber, String line, List<String> columns) {
        String[] fields = line.split(",", -1);
        if (fields.length != columns.size()) {
            throw new IllegalArgumentException(file + " line " + lineNumber + ": expected " + columns.size()
                    + " fields, got " + fields.length);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int c = 0; c < fields.length; c++) {
            values.put(columns.get(c), fields[c].strip());
        }
        return values;
    }

    /** Whether a row with these key values is already there. */
    public boolean contains(Map<String, String> key) {
        requireKey(key);
        return rows.stream().anyMatch(r -> r.matches(key));
    }

    /**
     * Appends {@code row} to the file at once. Columns the row lacks are left blank, except
     * {@code commit} and {@code cpu}, which default to this file's provenance.
     *
     * @throws IllegalArgumentException if the row names an unknown column, a value holds a comma,
     *     quote or line break, or a row with its key is already there
     */
    public void append(ResultRow row) {
        for (String column : row.values().keySet()) {
            if (!columns.contains(column)) {
                throw new IllegalArgumentException("column '" + column + "' is not one of " + file + "'s " + columns);
            }
        }
        Map<String, String> key = new LinkedHashMap<>();
        keyColumns.forEach(k -> key.put(k, row.get(k)));
        if (contains(key)) {
            throw new IllegalArgumentException(file + " already holds the row " + key);
        }
        Map<String, String> values = new LinkedHashMap<>(row.values());
        values.putIfAbsent("commit", provenance.commit());
        values.putIfAbsent("cpu", provenance.cpu());
        ResultRow complete = new ResultRow(values);
        List<String> line = new ArrayList<>();
        for (String column : columns) {
            String value = complete.get(column);
            if (value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("value '" + value + "' of column '" + column
                        + "' holds a comma, quote or line break");
            }
            line.add(value);
        }
        try {
            if (withoutProvenance) {
                addProvenanceColumns();
            }
            Files.writeString(file, String.join(",", line) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        rows.add(complete);
    }

    /** Rewrites a file of the old header with the full one, the rows read so far saying {@code unknown}. */
    private void addProvenanceColumns() throws IOException {
        StringBuilder text = new StringBuilder(String.join(",", columns)).append('\n');
        for (ResultRow old : rows) {
            text.append(String.join(",", columns.stream().map(old::get).toList())).append('\n');
        }
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        withoutProvenance = false;
    }

    private void requireKey(Map<String, String> key) {
        if (!key.keySet().equals(new java.util.HashSet<>(keyColumns))) {
            throw new IllegalArgumentException("a row of " + file + " is identified by " + keyColumns + ", got " + key.keySet());
        }
    }

    /** The rows, in file order. */
    public List<ResultRow> rows() {
        return Collections.unmodifiableList(rows);
    }

    public Path file() {
        return file;
    }
}
