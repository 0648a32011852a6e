package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.tensorfile.TensorArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The command-line entry point over a table of ordinary bad inputs: each ends with its exit
 * code and a message saying what is wrong, and none with a stack trace.
 */
class BadInputTest {

    @TempDir
    static Path dir;

    static Path data;
    static Path run;

    private static final String[] TINY = {"--set", "image.size=8", "--set", "batch.size=8", "--set", "shuffle.groups=2",
        "--set", "queue.size=16", "--set", "head.hidden=16", "--set", "feature.dim=8", "--set", "encoder=resnet20",
        "--set", "workers=1", "--no-progress"};

    /** A data set, one finished run, and files that are not what they claim. */
    @BeforeAll
    static void files() throws IOException {
        data = MocoCommandTest.writeIdx(dir.resolve("data"), 24);
        run = dir.resolve("run");
        List<String> args = new ArrayList<>(List.of("pretrain", "--data", data.toString(), "--out", run.toString(),
                "--epochs", "1"));
        args.addAll(List.of(TINY));
        args.addAll(List.of("--held-out", "8", "--knn-k", "5"));
        MocoCommandTest.Outcome o = MocoCommandTest.run(args.toArray(String[]::new));
        assertThat(o.exitCode()).as(o.err()).isZero();

        Files.createDirectories(dir.resolve("a-directory"));
        Files.writeString(dir.resolve("a-file"), "not a directory");
        Files.createDirectories(dir.resolve("empty"));

        // the run's checkpoint with NaN weights, written around the finite-only checkpoint writer
        TensorArchive.Contents c = TensorArchive.read(run.resolve("checkpoints/latest.zip"));
        Map<String, String> manifest = new LinkedHashMap<>(c.properties());
        List<TensorArchive.Tensor> tensors = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, INDArray> t : c.tensors().entrySet()) {
            INDArray value = t.getKey().equals("query-encoder/parameters") ? t.getValue().dup().assign(Double.NaN) : t.getValue();
            tensors.add(new TensorArchive.Tensor(t.getKey(), "tensors/" + i++ + ".npy", value));
        }
        TensorArchive.write(dir.resolve("nan.zip"), "moco checkpoint", manifest, tensors);
    }

    record Case(String name, int exitCode, String message, String[] args) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static String[] pretrain(String... more) {
        List<String> args = new ArrayList<>(List.of("pretrain", "--data", data.toString(), "--out",
                dir.resolve("new-run").toString(), "--epochs", "1"));
        args.addAll(List.of(TINY));
        args.addAll(List.of(more));
        for (String[] option : new String[][] {{"--held-out", "8"}, {"--knn-k", "5"}}) {
            if (!args.contains(option[0])) {
                args.addAll(List.of(option));
            }
        }
        return args.toArray(String[]::new);
    }

    static List<Case> cases() {
        String d = dir.toString();
        return List.of(
                new Case("huge queue", 1, "queue.size=100000000 (the queue of K×C values and the loss's N×K logits) needs an estimated",
                        pretrain("--set", "queue.size=100000000")),
                new Case("huge queue in the benchmark", 1, "queue.size=100000000",
                        new String[] {"bench", "throughput", "--queue-size", "100000000", "--batch", "8", "--shuffle-groups", "2",
                            "--steps", "1", "--warmup", "0"}),
                new Case("empty kNN bank", 2, "--knn-bank must be at least 1 image", pretrain("--knn-bank", "0")),
                new Case("kNN k of 0", 2, "--knn-k must be at least 1", pretrain("--knn-k", "0")),
                new Case("kNN temperature 0", 2, "--knn-temperature must be a positive number", pretrain("--knn-temperature", "0")),
                new Case("no epoch checkpoints kept", 2, "--keep-checkpoints must be at least 1", pretrain("--keep-checkpoints", "0")),
                new Case("negative checkpoint interval", 2, "--checkpoint-every must be 0", pretrain("--checkpoint-every", "-1")),
                new Case("all images held out", 2, "--held-out 24 leaves no training images", pretrain("--held-out", "24")),
                new Case("config is a directory", 2, "is a directory, not a properties file",
                        pretrain("--config", d + "/a-directory")),
                new Case("config is missing", 2, "does not exist", pretrain("--config", d + "/nowhere.properties")),
                new Case("output is a file", 1, "--out " + d + "/a-file is a file, not a directory",
                        new String[] {"pretrain", "--data", data.toString(), "--out", d + "/a-file", "--no-progress"}),
                new Case("new run into a run", 1, "already holds a run",
                        new String[] {"pretrain", "--data", data.toString(), "--out", run.toString(), "--no-progress"}),
                new Case("resume from nothing", 1, "no checkpoint file",
                        new String[] {"pretrain", "--resume", d + "/empty", "--data", data.toString(), "--no-progress"}),
                new Case("resume a file that is no checkpoint", 1, "corrupt or truncated",
                        new String[] {"pretrain", "--resume", d + "/a-file", "--data", data.toString(), "--no-progress"}),
                new Case("export from NaN weights", 1, "cannot give meaningful features: its tensor 'query-encoder/parameters' holds",
                        new String[] {"export-features", "--checkpoint", d + "/nan.zip", "--data", data.toString(), "--out",
                            d + "/f.npy"}),
                new Case("export from a directory without checkpoint", 1, "no checkpoint file",
                        new String[] {"export-features", "--checkpoint", d + "/empty", "--data", data.toString(), "--out",
                            d + "/f.npy"}),
                new Case("misspelled key", 1, "did you mean 'queue.size'", pretrain("--set", "queue.sise=16")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void endsWithItsExitCodeAndAMessageAndNoStackTrace(Case c) {
        MocoCommandTest.Outcome o = MocoCommandTest.run(c.args());
        assertThat(o.exitCode()).as(o.err()).isEqualTo(c.exitCode());
        assertThat(o.err()).contains(c.message());
        assertThat(o.err()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("--resume <file>");
    }
}
