package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.bench.cli.pretrain.MetricsCsv;
import dev.moco.bench.cli.pretrain.MetricsRow;
import dev.moco.tensorfile.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** pretrain, resume and export-features end to end on a tiny IDX data set (8x8 images, ResNet-20, a few steps). */
class PretrainCliTest {

    @TempDir
    Path dir;

    private static final String[] TINY = {"--set", "image.size=8", "--set", "batch.size=8", "--set", "shuffle.groups=2",
        "--set", "queue.size=16", "--set", "head.hidden=16", "--set", "feature.dim=8", "--no-progress"};

    private static String[] args(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }

    @Test
    void pretrainsResumesAndExportsFeatures() throws IOException {
        Path data = MocoCommandTest.writeIdx(dir.resolve("data"), 40);
        Path run = dir.resolve("run");

        MocoCommandTest.Outcome first = MocoCommandTest.run(args(new String[] {"pretrain", "--data", data.toString(),
            "--out", run.toString(), "--epochs", "1", "--held-out", "8"}, TINY));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(run.resolve("checkpoints/latest.zip")).exists();
        assertThat(run.resolve("checkpoints/checkpoint-epoch-001.zip")).exists();
        assertThat(run.resolve("training.png")).exists();

        MocoCommandTest.Outcome resumed = MocoCommandTest.run("pretrain", "--resume", run.toString(), "--data",
                data.toString(), "--epochs", "2", "--held-out", "8", "--no-progress");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        List<MetricsRow> rows = MetricsCsv.read(run.resolve("metrics.csv"));
        assertThat(rows).extracting(MetricsRow::epoch).containsExactly(0, 1, 2);
        assertThat(rows.get(2).step()).isEqualTo(8);   // 32 training images, batch 8: 4 steps per epoch
        assertThat(rows).allSatisfy(r -> assertThat(r.knnAccuracy()).isBetween(0.0, 1.0));
        assertThat(run.resolve("checkpoints/checkpoint-epoch-002.zip")).exists();

        Path features = dir.resolve("out/features.npy");
        MocoCommandTest.Outcome export = MocoCommandTest.run("export-features", "--checkpoint", run.toString(), "--data",
                data.toString(), "--split", "train", "--out", features.toString());
        assertThat(export.exitCode()).as(export.err()).isZero();
        try (InputStream f = Files.newInputStream(features); InputStream l = Files.newInputStream(dir.resolve("out/features.labels.npy"))) {
            INDArray x = Npy.read(f);
            INDArray y = Npy.read(l);
            assertThat(x.shape()).containsExactly(40L, 64L);
            assertThat(y.toLongVector()).startsWith(0, 1, 2, 3, 0);
        }
    }
}
