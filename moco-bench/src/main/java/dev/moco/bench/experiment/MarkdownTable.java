package dev.moco.bench.experiment;

import dev.moco.tensorfile.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A Markdown table with a heading and notes, as the experiments write {@code results/<name>-<budget>.md}. */
final class MarkdownTable {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    MarkdownTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    MarkdownTable row(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException(cells.size() + " cells for the " + header.size() + " columns " + header);
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    /** The table alone. */
    String render() {
        StringBuilder s = new StringBuilder();
        s.append("| ").append(String.join(" | ", header)).append(" |\n");
        s.append("|").append("---|".repeat(header.size())).append('\n');
        rows.forEach(r -> s.append("| ").append(String.join(" | ", r)).append(" |\n"));
        return s.toString();
    }

    /** Writes {@code # title}, the table and the notes below it to {@code file}, replacing it atomically. */
    void write(Path file, String title, List<String> notes) {
        StringBuilder s = new StringBuilder("# ").append(title).append("\n\n").append(render());
        if (!notes.isEmpty()) {
            s.append('\n');
            notes.forEach(n -> s.append(n).append("\n"));
        }
        try {
            AtomicFile.write(file, s.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the table " + file, e);
        }
    }

    /** An accuracy as a percentage with one decimal ("71.2"), "–" when absent. */
    static String percent(double accuracy) {
        return Double.isNaN(accuracy) ? "–" : String.format(Locale.ROOT, "%.1f", 100 * accuracy);
    }

    /** Mean ± sample standard deviation of accuracies in percent; the mean alone for one value. */
    static String percent(List<Double> accuracies) {
        List<Double> values = accuracies.stream().filter(v -> !v.isNaN()).toList();
        if (values.isEmpty()) {
            return "–";
        }
        if (values.size() == 1) {
            return percent(values.get(0));
        }
        Spread s = Spread.of(values);
        return String.format(Locale.ROOT, "%.1f ± %.1f (n=%d)", 100 * s.mean(), 100 * s.sd(), values.size());
    }

    /** Seconds as "1 min 23 s" or "41 s". */
    static String duration(double seconds) {
        if (Double.isNaN(seconds)) {
            return "–";
        }
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60) : s + " s";
    }
}
