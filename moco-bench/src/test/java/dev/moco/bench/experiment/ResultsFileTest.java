package dev.moco.bench.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsFileTest {

    private static final List<String> COLUMNS = List.of("mechanism", "k", "budget", "seed", "knn_accuracy");
    private static final List<String> KEY = List.of("mechanism", "k", "budget", "seed");
    private static final Provenance BUILD = new Provenance("0123456789abcdef0123456789abcdef01234567", "AMD EPYC 7B13 64-Core Processor");

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
        ResultsFile results = ResultsFile.open(file, COLUMNS, KEY, BUILD);
        assertThat(Files.readAllLines(file)).containsExactly("mechanism,k,budget,seed,knn_accuracy,commit,cpu");
        results.append(row("queue", "4096", "0.7123"));
        results.append(new ResultRow(Map.of("mechanism", "untrained", "k", "", "budget", "small", "seed", "0")));
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly("mechanism,k,budget,seed,knn_accuracy,commit,cpu",
                "queue,4096,small,0,0.7123,0123456789abcdef0123456789abcdef01234567,AMD EPYC 7B13 64-Core Processor",
                "untrained,,small,0,,0123456789abcdef0123456789abcdef01234567,AMD EPYC 7B13 64-Core Processor");

        ResultsFile reopened = ResultsFile.open(file, COLUMNS, KEY);
        assertThat(reopened.contains(key("queue", "4096"))).isTrue();
        assertThat(reopened.contains(key("queue", "1024"))).isFalse();
        assertThat(reopened.contains(key("untrained", ""))).isTrue();
        assertThat(reopened.rows().get(0).getDouble("knn_accuracy")).isEqualTo(0.7123);
        assertThat(reopened.rows().get(1).getDouble("knn_accuracy")).isNaN();
    }

    @Test
    void aDuplicateRowAValueWithACommaAndAnUnknownColumnAreRefused() {
        ResultsFile results = ResultsFile.open(dir.resolve("r.csv"), COLUMNS, KEY, BUILD);
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
                .hasMessageContaining("has the header 'mechanism,k,knn' but this experiment writes 'mechanism,k,budget,seed,knn_accuracy,commit,cpu'")
                .hasMessageContaining("move the old file away");
        Files.writeString(file, "mechanism,k,budget,seed,knn_accuracy\nqueue,4096,small\n");
        assertThatThrownBy(() -> ResultsFile.open(file, COLUMNS, KEY)).hasMessageContaining("line 2: expected 5 fields, got 3");
    }

    @Test
    void aFileWithoutTheProvenanceColumnsReadsAsUnknownAndGainsThemOnTheNextAppend() throws Exception {
        Path file = dir.resolve("mechanisms.csv");
        Files.writeString(file, "mechanism,k,budget,seed,knn_accuracy\nqueue,4096,small,0,0.6706\n");
        ResultsFile old = ResultsFile.open(file, COLUMNS, KEY, BUILD);
        assertThat(old.rows()).singleElement().satisfies(r -> {
            assertThat(r.get("commit")).isEqualTo("unknown");
            assertThat(r.get("cpu")).isEqualTo("unknown");
            assertThat(r.getDouble("knn_accuracy")).isEqualTo(0.6706);
        });
        assertThat(Files.readString(file)).as("reading leaves the file as it was")
                .isEqualTo("mechanism,k,budget,seed,knn_accuracy\nqueue,4096,small,0,0.6706\n");

        old.append(row("queue", "1024", "0.6790"));
        assertThat(Files.readAllLines(file)).containsExactly("mechanism,k,budget,seed,knn_accuracy,commit,cpu",
                "queue,4096,small,0,0.6706,unknown,unknown",
                "queue,1024,small,0,0.6790,0123456789abcdef0123456789abcdef01234567,AMD EPYC 7B13 64-Core Processor");
        assertThat(ResultsFile.open(file, COLUMNS, KEY, BUILD).rows()).extracting(r -> r.get("commit"))
                .containsExactly("unknown", "0123456789abcdef0123456789abcdef01234567");
    }

    @Test
    void theProvenanceIsTheCpuModelOfProcCpuinfoAndAGitCommitOrUnknown() throws Exception {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC, 2 cores\n\nprocessor\t: 1\nmodel name\t: other\n");
        assertThat(Provenance.cpu(cpuinfo)).as("no flags line").isEqualTo("AMD EPYC 2 cores");
        Files.writeString(cpuinfo, "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 fma\n"
                + "\nprocessor\t: 1\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx512f\n");
        assertThat(Provenance.cpu(cpuinfo)).as("the first flags line").isEqualTo("AMD EPYC (AVX2)");
        assertThat(Provenance.cpu(dir.resolve("missing"))).isEqualTo("unknown");
        assertThat(Provenance.commitOf(dir)).as("a directory outside any git checkout").isEqualTo("unknown");
        assertThat(new Provenance(null, " ")).isEqualTo(Provenance.unknown());
        assertThat(Provenance.vectorExtension(Set.of("avx2", "avx512f", "avx512_bf16", "amx_bf16"))).isEqualTo("AMX-BF16");
        assertThat(Provenance.vectorExtension(Set.of("avx2", "avx512f", "avx512_bf16"))).isEqualTo("AVX-512 BF16");
        assertThat(Provenance.vectorExtension(Set.of("avx2", "avx512f", "avx512bw"))).isEqualTo("AVX-512");
        assertThat(Provenance.vectorExtension(Set.of("sse2", "avx", "avx2"))).isEqualTo("AVX2");
        assertThat(Provenance.vectorExtension(Set.of("sse2", "avx"))).isEmpty();

        Provenance here = Provenance.current();
        assertThat(here.commit()).matches("unknown|[0-9a-f]{40}(-modified)?");
        assertThat(here.cpu()).doesNotContain(",").isNotBlank();
    }
}
