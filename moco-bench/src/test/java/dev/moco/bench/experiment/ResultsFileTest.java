package dev.moco.bench.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsFileTest {

    private static final List<String> COLUMNS = List.of("mechanism", "k", "budget", "seed", "knn_accuracy");
    private static final List<String> KEY = List.of("mechanism", "k", "budget", "seed");

    @TempDir
    Path dir;

    private static ResultRow row(String mechanism, String k, String knn) {
        return new ResultRow(Map.of("mechanism", mechanism, "k", k, "budget", "small", "seed", "0", "knn_accuracy", knn));
    }

    private static Map<String, String> key(String mechanism, String k) {
        return Map.of("mechanism", mechanism, "k", k, "budget", "small", "seed", "0");
    }

    @Test
    void aRowIsOnDiskAsSoonAsItIsAppendedAndIsFoundByItsKeyWhenReopened() throws Exception {
        Path file = dir.resolve("sub/mechanisms.csv");
        ResultsFile results = ResultsFile.open(file, COLUMNS, KEY);
        assertThat(Files.readAllLines(file)).containsExactly("mechanism,k,budget,seed,knn_accuracy");
        results.append(row("queue", "4096", "0.7123"));
        results.append(new ResultRow(Map.of("mechanism", "untrained", "k", "", "budget", "small", "seed", "0")));
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly("mechanism,k,budget,seed,knn_accuracy",
                "queue,4096,small,0,0.7123", "untrained,,small,0,");

        ResultsFile reopened = ResultsFile.open(file, COLUMNS, KEY);
        assertThat(reopened.contains(key("queue", "4096"))).isTrue();
        assertThat(reopened.contains(key("queue", "1024"))).isFalse();
        assertThat(reopened.contains(key("untrained", ""))).isTrue();
        assertThat(reopened.rows().get(0).getDouble("knn_accuracy")).isEqualTo(0.7123);
        assertThat(reopened.rows().get(1).getDouble("knn_accuracy")).isNaN();
    }

    @Test
    void aDuplicateRowAValueWithACommaAndAnUnknownColumnAreRefused() {
        ResultsFile results = ResultsFile.open(dir.resolve("r.csv"), COLUMNS, KEY);
        results.append(row("queue", "4096", "0.7"));
        assertThatThrownBy(() -> results.append(row("queue", "4096", "0.8"))).hasMessageContaining("already holds the row");
        assertThatThrownBy(() -> results.append(row("a,b", "1", "0.8"))).hasMessageContaining("holds a comma");
        assertThatThrownBy(() -> results.append(new ResultRow(Map.of("colour", "red"))))
                .hasMessageContaining("column 'colour' is not one of");
        assertThatThrownBy(() -> results.contains(Map.of("mechanism", "queue")))
                .hasMessageContaining("is identified by [mechanism, k, budget, seed]");
    }

    @Test
    void aFileWrittenWithOtherColumnsIsNotMixedWith() throws Exception {
        Path file = dir.resolve("old.csv");
        Files.writeString(file, "mechanism,k,knn\nqueue,4096,0.7\n");
        assertThatThrownBy(() -> ResultsFile.open(file, COLUMNS, KEY))
                .hasMessageContaining("has the header 'mechanism,k,knn' but this experiment writes 'mechanism,k,budget,seed,knn_accuracy'")
                .hasMessageContaining("move the old file away");
        Files.writeString(file, "mechanism,k,budget,seed,knn_accuracy\nqueue,4096,small\n");
        assertThatThrownBy(() -> ResultsFile.open(file, COLUMNS, KEY)).hasMessageContaining("line 2: expected 5 fields, got 3");
    }
}
