package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.bench.cli.pretrain.MetricsCsv;
import dev.moco.bench.cli.pretrain.MetricsRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code pretrain} does with its run directory: it never replaces another run silently,
 * validates before it writes, says when a resumed run has nothing left to do, notes other
 * data, and removes the temporaries of an interrupted checkpoint write.
 */
class RunDirectoryCliTest {

    @TempDir
    Path dir;

    private static final String[] TINY = {"--set", "image.size=8", "--set", "batch.size=8", "--set", "shuffle.groups=2",
        "--set", "queue.size=16", "--set", "head.hidden=16", "--set", "feature.dim=8", "--set", "encoder=resnet20",
        "--set", "workers=1", "--held-out", "8", "--knn-k", "5", "--no-progress"};

    private static String[] args(String[] more, String... first) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void aNewRunIntoAnotherRunsDirectoryIsRefusedUnlessOverwriteWhichClearsTheOldFiles() throws IOException {
        Path data = MocoCommandTest.writeIdx(dir.resolve("data"), 24);
        Path run = dir.resolve("run");
        MocoCommandTest.Outcome first = MocoCommandTest.run(args(TINY, "pretrain", "--data", data.toString(), "--out",
                run.toString(), "--epochs", "2"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        String metrics = Files.readString(run.resolve("metrics.csv"));

        MocoCommandTest.Outcome again = MocoCommandTest.run(args(TINY, "pretrain", "--data", data.toString(), "--out",
                run.toString(), "--epochs", "1"));
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already holds a run").contains("--resume " + run).contains("--overwrite")
                .doesNotContain("\tat ");
        assertThat(Files.readString(run.resolve("metrics.csv"))).isEqualTo(metrics);
        assertThat(run.resolve("checkpoints/checkpoint-epoch-002.zip")).exists();

        MocoCommandTest.Outcome overwrite = MocoCommandTest.run(args(TINY, "pretrain", "--data", data.toString(), "--out",
                run.toString(), "--epochs", "1", "--overwrite"));
        assertThat(overwrite.exitCode()).as(overwrite.err()).isZero();
        assertThat(run.resolve("checkpoints/checkpoint-epoch-002.zip")).doesNotExist();
        assertThat(MetricsCsv.read(run.resolve("metrics.csv"))).extracting(MetricsRow::epoch).containsExactly(0, 1);
    }

    @Test
    void resumingAFinishedRunOnOtherDataSaysSoAndRemovesStaleTemporaries() throws IOException {
        Path data = MocoCommandTest.writeIdx(dir.resolve("data"), 24);
        Path run = dir.resolve("run");
        MocoCommandTest.Outcome first = MocoCommandTest.run(args(TINY, "pretrain", "--data", data.toString(), "--out",
                run.toString(), "--epochs", "1"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        Path stale = Files.write(run.resolve("checkpoints/.latest.zip.4242.tmp"), new byte[] {'P', 'K'});

        Path other = MocoCommandTest.writeIdx(dir.resolve("other"), 24, 6);   // same size, other pixels
        MocoCommandTest.Outcome resumed = MocoCommandTest.run("pretrain", "--resume", run.toString(), "--data",
                other.toString(), "--held-out", "8", "--knn-k", "5", "--no-progress");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("warning: the data differs from the data the checkpoint was trained on");
        assertThat(resumed.out()).contains("is at the end of epoch 1 and the run has 1 epochs: nothing left to train")
                .doesNotContain("resuming");
        assertThat(stale).doesNotExist();
        assertThat(resumed.err()).contains("removed .latest.zip.4242.tmp");
    }

    @Test
    void badSettingsAreFoundBeforeTheRunDirectoryIsCreated() throws IOException {
        Path data = MocoCommandTest.writeIdx(dir.resolve("data"), 24);
        Path run = dir.resolve("run");
        String[] tiny = TINY.clone();
        tiny[3] = "batch.size=64";
        MocoCommandTest.Outcome o = MocoCommandTest.run(args(tiny, "pretrain", "--data", data.toString(), "--out",
                run.toString(), "--epochs", "1"));
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("fewer than one batch").doesNotContain("\tat ");
        assertThat(run).doesNotExist();
    }
}
