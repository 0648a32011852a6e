package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 mid-epoch, resume, and the final checkpoint equals the uninterrupted run's tensor
 * by tensor, bit for bit. The run to kill is another JVM, killed with SIGKILL once its
 * {@code latest.zip} is past the middle of the second epoch.
 */
@Tag("integration")
class KillAndResumeIntegrationTest {

    @TempDir
    Path dir;

    private static List<String> pretrain(Path data, Path out) {
        return List.of("pretrain", "--data", data.toString(), "--out", out.toString(), "--epochs", "2",
                "--set", "image.size=8", "--set", "batch.size=8", "--set", "shuffle.groups=2", "--set", "queue.size=32",
                "--set", "head.hidden=16", "--set", "feature.dim=8", "--set", "encoder=resnet20", "--set", "workers=2",
                "--held-out", "0", "--checkpoint-every", "2", "--no-progress");
    }

    @Test
    void aRunKilledMidEpochAndResumedEndsBitForBitAsTheUninterruptedRun() throws IOException, InterruptedException {
        Path data = MocoCommandTest.writeIdx(dir.resolve("data"), 400);    // 50 steps per epoch, 100 in all
        Path straight = dir.resolve("straight");
        MocoCommandTest.Outcome o = MocoCommandTest.run(pretrain(data, straight).toArray(String[]::new));
        assertThat(o.exitCode()).as(o.err()).isZero();

        Path killed = dir.resolve("killed");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "-Djava.awt.headless=true", MocoCommand.class.getName()));
        command.addAll(pretrain(data, killed));
        Process run = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("killed.log").toFile())
                .start();
        long killedAfter = -1;
        while (run.isAlive()) {
            long step = latestStep(killed);
            if (step >= 60) {
                run.destroyForcibly();             // SIGKILL: no shutdown hooks, no finally blocks
                killedAfter = step;
                break;
            }
            Thread.sleep(20);
        }
        assertThat(run.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(killedAfter).as("killed mid-epoch 2 (else the run was too fast to kill: " + Files.readString(
                dir.resolve("killed.log")) + ")").isBetween(60L, 99L);

        MocoCommandTest.Outcome resumed = MocoCommandTest.run("pretrain", "--resume", killed.toString(), "--data",
                data.toString(), "--held-out", "0", "--no-progress");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();

        Checkpoint expected = CheckpointDirectory.load(straight);
        Checkpoint actual = CheckpointDirectory.load(killed);
        assertThat(actual.position()).isEqualTo(expected.position());
        expected.components().forEach((component, tensors) -> tensors.forEach((name, tensor) ->
                assertThat(actual.tensor(component, name)).as(component + "/" + name).isEqualTo(tensor)));
    }

    private static long latestStep(Path run) {
        try {
            return CheckpointDirectory.load(run).position().globalStep();
        } catch (CheckpointException e) {
            return -1;
        }
    }
}
