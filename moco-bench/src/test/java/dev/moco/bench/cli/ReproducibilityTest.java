package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A run is a pure function of its command line and seed: the same {@code pretrain} twice in
 * this JVM and once in another JVM gives the same tensors bit for bit after its first steps
 * (initial queue, encoder initialisation, augmentation, shuffle BN), and byte-identical
 * checkpoint files (entries in a stable order).
 */
class ReproducibilityTest {

    @TempDir
    Path dir;

    private List<String> pretrain(Path data, Path out) {
        return List.of("pretrain", "--data", data.toString(), "--out", out.toString(), "--epochs", "1",
                "--set", "image.size=8", "--set", "batch.size=8", "--set", "shuffle.groups=2", "--set", "queue.size=16",
                "--set", "head.hidden=16", "--set", "feature.dim=8", "--set", "encoder=resnet20", "--set", "workers=2",
                "--held-out", "0", "--no-progress");
    }

    @Test
    void theSameRunTwiceInOneJvmAndOnceInAnotherGivesIdenticalTensorsAndFiles() throws IOException, InterruptedException {
        Path data = MocoCommandTest.writeIdx(dir.resolve("data"), 24);   // 3 steps
        List<Path> runs = List.of(dir.resolve("first"), dir.resolve("second"), dir.resolve("forked"));
        for (Path run : runs.subList(0, 2)) {
            MocoCommandTest.Outcome o = MocoCommandTest.run(pretrain(data, run).toArray(String[]::new));
            assertThat(o.exitCode()).as(o.err()).isZero();
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "-Djava.awt.headless=true", MocoCommand.class.getName()));
        command.addAll(pretrain(data, runs.get(2)));
        Process forked = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("forked.log").toFile()).start();
        assertThat(forked.waitFor(5, TimeUnit.MINUTES)).as("forked run finished").isTrue();
        assertThat(forked.exitValue()).as(Files.readString(dir.resolve("forked.log"))).isZero();

        Checkpoint reference = CheckpointDirectory.load(runs.get(0));
        assertThat(reference.position().globalStep()).isEqualTo(3);
        for (Path run : runs.subList(1, 3)) {
            Checkpoint other = CheckpointDirectory.load(run);
            reference.components().forEach((component, tensors) -> tensors.forEach((name, tensor) -> {
                INDArray same = other.tensor(component, name);
                assertThat(same).as(run.getFileName() + ": " + component + "/" + name).isEqualTo(tensor);
            }));
            assertThat(Files.readAllBytes(run.resolve("checkpoints/checkpoint-epoch-001.zip")))
                    .as(run.getFileName() + ": checkpoint file bytes")
                    .isEqualTo(Files.readAllBytes(runs.get(0).resolve("checkpoints/checkpoint-epoch-001.zip")));
        }
    }
}
