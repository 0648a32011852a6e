package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.data.IdxFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Parsing and error reporting of the command line: every command has --help; bad input gives a clear message. */
class MocoCommandTest {

    @TempDir
    Path dir;

    record Outcome(int exitCode, String out, String err) {}

    /** Runs the command line in-process; out and err hold what it printed through picocli and System.out/err. */
    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream capturedOut = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream capturedErr = new java.io.ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new java.io.PrintStream(capturedOut, true, java.nio.charset.StandardCharsets.UTF_8));
            System.setErr(new java.io.PrintStream(capturedErr, true, java.nio.charset.StandardCharsets.UTF_8));
            // after the swap: picocli writes to System.out if it was replaced after setOut
            CommandLine cli = MocoCommand.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Outcome(code, out + capturedOut.toString(java.nio.charset.StandardCharsets.UTF_8),
                err + capturedErr.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Where oneDNN loads, a transfer command's output shows that it fine-tuned the fast
     * engine's backbone with the fast engine's head (its "encoder:" and "head:" lines), not the
     * reference head: fails if the transfer commands fall back to the slow path.
     */
    static void assertFineTunedOnTheFastEngine(String out) {
        if (dev.moco.encoders.fast.FastEncoder.isAvailable()) {
            assertThat(out).contains("(FastEncoder, stages", "head: FastDenseHead (")
                    .doesNotContain("head: ReferenceDenseHead");
        }
    }

    static List<List<String>> commandPaths(CommandLine cli, List<String> prefix) {
        List<List<String>> paths = new ArrayList<>();
        paths.add(prefix);
        cli.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                List<String> path = new ArrayList<>(prefix);
                path.add(name);
                paths.addAll(commandPaths(sub, path));
            }
        });
        return paths;
    }

    @Test
    void everyCommandHasHelp() {
        List<List<String>> paths = commandPaths(MocoCommand.commandLine(), List.of());
        assertThat(paths).contains(List.of("quickstart"), List.of("pretrain"), List.of("export-features"), List.of("bench"));
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Outcome o = run(args.toArray(String[]::new));
            assertThat(o.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(o.out()).as(String.join(" ", args)).startsWith("Usage: moco" + (path.isEmpty() ? "" : " " + String.join(" ", path)));
        }
    }

    @Test
    void versionNamesTheProject() {
        Outcome o = run("--version");
        assertThat(o.exitCode()).isZero();
        assertThat(o.out()).startsWith("moco ");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Outcome o = run("pretrain", "--data", "x", "--out", "y", "--bogus");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("Unknown option: '--bogus'").contains("Usage: moco pretrain");
    }

    @Test
    void missingRequiredOptionsAreNamed() {
        Outcome o = run("export-features", "--data", "x");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("Missing required options").contains("--checkpoint").contains("--out");
    }

    @Test
    void badNumberIsNamed() {
        Outcome o = run("pretrain", "--data", "x", "--out", "y", "--epochs", "many");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("Invalid value for option '--epochs'").contains("'many'");
    }

    @Test
    void missingDataDirectoryIsAnErrorNamingIt() {
        Outcome o = run("pretrain", "--data", dir.resolve("nowhere").toString(), "--out", dir.resolve("run").toString(),
                "--no-progress");
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("moco pretrain: error: --data").contains("nowhere").contains("is not a directory");
    }

    @Test
    void misspelledSettingSuggestsTheKey() throws IOException {
        Path data = writeIdx(dir.resolve("data"), 16);
        Outcome o = run("pretrain", "--data", data.toString(), "--out", dir.resolve("run").toString(),
                "--set", "queue.sise=16");
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("unknown configuration key 'queue.sise'").contains("did you mean 'queue.size'");
    }

    @Test
    void truncatedCheckpointIsAClearError() throws IOException {
        Path data = writeIdx(dir.resolve("data"), 16);
        Path checkpoints = Files.createDirectories(dir.resolve("run").resolve("checkpoints"));
        Files.write(checkpoints.resolve("latest.zip"), new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0});
        Outcome o = run("pretrain", "--resume", dir.resolve("run").toString(), "--data", data.toString());
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("latest.zip").contains("corrupt or truncated");
    }

    /** Writes {@code n} random 8x8 images with labels 0..3 as train-images/labels IDX files. */
    static Path writeIdx(Path directory, int n) throws IOException {
        return writeIdx(directory, n, 5);
    }

    /** As {@link #writeIdx(Path, int)}, with the pixel noise drawn from {@code seed}. */
    static Path writeIdx(Path directory, int n, long seed) throws IOException {
        Files.createDirectories(directory);
        Random random = new Random(seed);
        byte[] pixels = new byte[n * 64];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 4);
            for (int p = 0; p < 64; p++) {
                boolean lit = (p / 8 < 4) == (labels[i] < 2) && (p % 8 < 4) == (labels[i] % 2 == 0);
                pixels[i * 64 + p] = (byte) (lit ? 200 + random.nextInt(40) : random.nextInt(60));
            }
        }
        try (OutputStream o = Files.newOutputStream(directory.resolve("train-images-idx3-ubyte"))) {
            IdxFile.write(o, new int[] {n, 8, 8}, pixels);
        }
        try (OutputStream o = Files.newOutputStream(directory.resolve("train-labels-idx1-ubyte"))) {
            IdxFile.write(o, new int[] {n}, labels);
        }
        return directory;
    }
}
