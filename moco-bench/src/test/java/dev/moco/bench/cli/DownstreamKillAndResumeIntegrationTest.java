package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transfer detect} and {@code train-supervised} killed with SIGKILL between epochs and
 * continued with {@code --resume} end as the uninterrupted run: the same final checkpoint
 * (weights, head, momentum buffers, position) tensor by tensor, bit for bit, and the same
 * metrics.csv but for the measured throughput. The run to kill is another JVM, killed once its
 * checkpoint says epoch 2 is done.
 */
@Tag("integration")
class DownstreamKillAndResumeIntegrationTest {

    private static final int EPOCHS = 6;

    @TempDir
    Path dir;

    private Path data;

    @BeforeEach
    void data() throws IOException {
        data = MocoCommandTest.writeIdx(dir.resolve("data"), 128);
        Files.copy(data.resolve("train-images-idx3-ubyte"), data.resolve("t10k-images-idx3-ubyte"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(data.resolve("train-labels-idx1-ubyte"), data.resolve("t10k-labels-idx1-ubyte"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aDetectionRunKilledBetweenEpochsAndResumedEndsAsTheUninterruptedRun() throws IOException, InterruptedException {
        killAndResume(List.of("transfer", "detect", "--init", "random", "--data", data.toString(), "--train", "64", "--test",
                "8", "--canvas-size", "16", "--epochs", Integer.toString(EPOCHS), "--batch-size", "4", "--head-width", "8"),
                List.of("encoder", "head", "optimizer"));
    }

    @Test
    void aSupervisedRunKilledBetweenEpochsAndResumedEndsAsTheUninterruptedRun() throws IOException, InterruptedException {
        Path[] runs = killAndResume(List.of("train-supervised", "--data", data.toString(), "--epochs", Integer.toString(EPOCHS),
                "--batch-size", "8", "--image-size", "8"), List.of("query-encoder", "optimizer"));
        Checkpoint expected = CheckpointDirectory.load(runs[0].resolve("latest.zip"));
        Checkpoint actual = CheckpointDirectory.load(runs[1].resolve("latest.zip"));
        expected.components().forEach((component, tensors) -> tensors.forEach((name, tensor) ->
                assertThat(actual.tensor(component, name)).as("model " + component + "/" + name).isEqualTo(tensor)));
    }

    /** Runs {@code command} straight, and killed after epoch 2 then resumed; returns both run directories. */
    private Path[] killAndResume(List<String> command, List<String> components) throws IOException, InterruptedException {
        Path straight = dir.resolve("straight");
        MocoCommandTest.Outcome o = MocoCommandTest.run(withOut(command, straight).toArray(String[]::new));
        assertThat(o.exitCode()).as(o.err()).isZero();

        Path killed = dir.resolve("killed");
        List<String> child = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "-Djava.awt.headless=true", MocoCommand.class.getName()));
        child.addAll(withOut(command, killed));
        Process run = new ProcessBuilder(child).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile())
                .start();
        int killedAfter = -1;
        while (run.isAlive()) {
            int epoch = epochsDone(killed);
            if (epoch >= 2) {
                run.destroyForcibly();             // SIGKILL: no shutdown hooks, no finally blocks
                killedAfter = epoch;
                break;
            }
            Thread.sleep(10);
        }
        assertThat(run.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(killedAfter).as("killed before the last epoch (else the run was too fast to kill: "
                + Files.readString(dir.resolve("killed.log")) + ")").isBetween(2, EPOCHS - 1);

        MocoCommandTest.Outcome refused = MocoCommandTest.run(withOut(command, killed).toArray(String[]::new));
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("already holds a run").contains("--resume");

        List<String> resume = withOut(command, killed);
        resume.add("--resume");
        MocoCommandTest.Outcome resumed = MocoCommandTest.run(resume.toArray(String[]::new));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming").contains("after epoch " + killedAfter);
        assertThat(lastLine(resumed.out())).isEqualTo(lastLine(o.out()));

        Checkpoint expected = CheckpointDirectory.load(straight.resolve("checkpoints"));
        Checkpoint actual = CheckpointDirectory.load(killed.resolve("checkpoints"));
        assertThat(actual.position()).isEqualTo(expected.position());
        assertThat(actual.components().keySet()).containsExactlyInAnyOrderElementsOf(components);
        expected.components().forEach((component, tensors) -> tensors.forEach((name, tensor) ->
                assertThat(actual.tensor(component, name)).as(component + "/" + name).isEqualTo(tensor)));
        assertThat(metricsWithoutThroughput(killed)).isEqualTo(metricsWithoutThroughput(straight)).hasSize(EPOCHS + 1);
        return new Path[] {straight, killed};
    }

    private static List<String> withOut(List<String> command, Path out) {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of("--out", out.toString()));
        return args;
    }

    private static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    /** metrics.csv without the columns that are measured, not computed: images_per_second and a transfer's seconds. */
    private static List<String> metricsWithoutThroughput(Path run) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> header = Arrays.asList(lines.get(0).split(","));
        List<Integer> measured = new ArrayList<>();
        for (String name : List.of("seconds", "images_per_second")) {
            if (header.contains(name)) {
                measured.add(header.indexOf(name));
            }
        }
        measured.sort(java.util.Comparator.reverseOrder());
        return lines.stream().map(l -> {
            List<String> cells = new ArrayList<>(Arrays.asList(l.split(",", -1)));
            measured.forEach(c -> cells.remove((int) c));
            return String.join(",", cells);
        }).collect(Collectors.toList());
    }

    private static int epochsDone(Path run) {
        try {
            return CheckpointDirectory.load(run.resolve("checkpoints")).position().completedEpochs();
        } catch (CheckpointException e) {
            return -1;
        }
    }
}
