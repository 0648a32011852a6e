package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.EncoderWeights;
import dev.moco.encoders.Encoders;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train-supervised, eval linear / knn, data canvases and transfer segment / detect end to end
 * on a tiny IDX data set (8x8 images, ResNet-20, a few steps); and their bad-input errors.
 */
class DownstreamCliTest {

    @TempDir
    Path dir;

    /** The 8x8 IDX images of {@link MocoCommandTest#writeIdx}, also as the test split. */
    private Path idx() throws IOException {
        Path data = MocoCommandTest.writeIdx(dir.resolve("idx"), 24);
        Files.copy(data.resolve("train-images-idx3-ubyte"), data.resolve("t10k-images-idx3-ubyte"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(data.resolve("train-labels-idx1-ubyte"), data.resolve("t10k-labels-idx1-ubyte"), StandardCopyOption.REPLACE_EXISTING);
        return data;
    }

    private static String lastLine(String out) {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    @Test
    void aSupervisedCheckpointIsEvaluatedAndFineTuned() throws IOException {
        Path data = idx();
        Path supervised = dir.resolve("supervised");
        MocoCommandTest.Outcome trained = MocoCommandTest.run("train-supervised", "--data", data.toString(), "--epochs", "1",
                "--out", supervised.toString(), "--batch-size", "8", "--image-size", "8", "--augmentation", "none");
        assertThat(trained.exitCode()).as(trained.err()).isZero();
        assertThat(supervised.resolve("latest.zip")).exists();
        assertThat(supervised.resolve("metrics.csv")).exists();

        MocoCommandTest.Outcome linear = MocoCommandTest.run("eval", "linear", "--checkpoint", supervised.toString(), "--data",
                data.toString(), "--set", "epochs=2", "--set", "milestones=1", "--set", "lr=0.5");
        assertThat(linear.exitCode()).as(linear.err()).isZero();
        assertThat(lastLine(linear.out())).matches("linear top-1: [01]\\.\\d{4}");

        MocoCommandTest.Outcome knn = MocoCommandTest.run("eval", "knn", "--checkpoint", supervised.toString(), "--data",
                data.toString(), "--k", "5");
        assertThat(knn.exitCode()).as(knn.err()).isZero();
        assertThat(lastLine(knn.out())).matches("knn top-1: [01]\\.\\d{4}");

        Path canvases = dir.resolve("canvases");
        MocoCommandTest.Outcome made = MocoCommandTest.run("data", "canvases", "--fashion-mnist", data.toString(), "--out",
                canvases.toString(), "--train", "4", "--test", "2", "--size", "16");
        assertThat(made.exitCode()).as(made.err()).isZero();
        assertThat(canvases.resolve("train/instances.json")).exists();

        Path run = dir.resolve("segment");
        MocoCommandTest.Outcome segment = MocoCommandTest.run("transfer", "segment", "--init", supervised.toString(), "--data",
                canvases.toString(), "--epochs", "1", "--batch-size", "4", "--head-width", "8", "--out", run.toString());
        assertThat(segment.exitCode()).as(segment.err()).isZero();
        MocoCommandTest.assertFineTunedOnTheFastEngine(segment.out());
        assertThat(lastLine(segment.out())).matches("mIoU: [01]\\.\\d{4}");
        assertThat(segment.out()).contains("per-class IoU: background");
        assertThat(run.resolve("metrics.csv")).content().startsWith("epoch,loss,mIoU,pixel_accuracy,images_per_second");
        assertThat(run.resolve("training.png")).exists();
    }

    /**
     * {@code --masks-out} writes one PNG per test canvas, named and encoded as the ground truth's
     * {@code test/masks/}: the mIoU recomputed from the two sets of files alone (here by hand,
     * as any tool would) is the one the command printed.
     */
    @Test
    void thePredictedMasksReadBackGiveThePrintedMeanIou() throws IOException {
        Path canvases = dir.resolve("canvases");
        MocoCommandTest.Outcome made = MocoCommandTest.run("data", "canvases", "--fashion-mnist", idx().toString(), "--out",
                canvases.toString(), "--train", "4", "--test", "3", "--size", "16");
        assertThat(made.exitCode()).as(made.err()).isZero();
        Path masks = dir.resolve("predicted");
        MocoCommandTest.Outcome segment = MocoCommandTest.run("transfer", "segment", "--init", "random", "--data",
                canvases.toString(), "--epochs", "1", "--batch-size", "4", "--head-width", "16", "--out",
                dir.resolve("segment").toString(), "--masks-out", masks.toString());
        assertThat(segment.exitCode()).as(segment.err()).isZero();
        double printed = Double.parseDouble(lastLine(segment.out()).substring("mIoU: ".length()));

        List<String> truthFiles;
        try (var files = Files.list(canvases.resolve("test/masks"))) {
            truthFiles = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        try (var files = Files.list(masks.resolve("masks"))) {
            assertThat(files.map(f -> f.getFileName().toString()).sorted().toList()).isEqualTo(truthFiles).hasSize(3);
        }
        int classes = 11;
        long[][] counts = new long[classes][classes];
        for (String name : truthFiles) {
            Raster truth = ImageIO.read(canvases.resolve("test/masks").resolve(name).toFile()).getRaster();
            Raster predicted = ImageIO.read(masks.resolve("masks").resolve(name).toFile()).getRaster();
            assertThat(predicted.getNumBands()).isEqualTo(1);
            assertThat(predicted.getWidth()).isEqualTo(truth.getWidth());
            for (int y = 0; y < truth.getHeight(); y++) {
                for (int x = 0; x < truth.getWidth(); x++) {
                    counts[truth.getSample(x, y, 0)][predicted.getSample(x, y, 0)]++;
                }
            }
        }
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            long truthTotal = 0;
            long predictedTotal = 0;
            for (int o = 0; o < classes; o++) {
                truthTotal += counts[c][o];
                predictedTotal += counts[o][c];
            }
            long union = truthTotal + predictedTotal - counts[c][c];
            if (union > 0) {
                sum += (double) counts[c][c] / union;
                present++;
            }
        }
        assertThat(sum / present).isCloseTo(printed, org.assertj.core.api.Assertions.within(5e-5));
    }

    @Test
    void detectionFromRandomInitWritesCocoFiles() throws IOException {
        Path data = idx();
        Path coco = dir.resolve("coco");
        MocoCommandTest.Outcome detect = MocoCommandTest.run("transfer", "detect", "--init", "random", "--data", data.toString(),
                "--train", "4", "--test", "2", "--canvas-size", "16", "--epochs", "1", "--batch-size", "4", "--head-width", "8",
                "--out", dir.resolve("detect").toString(), "--coco-out", coco.toString());
        assertThat(detect.exitCode()).as(detect.err()).isZero();
        assertThat(lastLine(detect.out())).matches("AP: [01]\\.\\d{4} AP50: [01]\\.\\d{4} AP75: [01]\\.\\d{4}");
        assertThat(detect.out()).contains("budget (the same for every --init): 1 epochs x 4 canvases", "SGD lr 0.01 ",
                "warm-up 100 steps");
        // its one step ran at the warm-up's first rate, 0.001 of lr 0.01: the default warm-up reaches the optimizer
        List<String> metrics = Files.readAllLines(dir.resolve("detect").resolve("metrics.csv"));
        int column = List.of(metrics.get(0).split(",")).indexOf("learning_rate");
        assertThat(Double.parseDouble(metrics.get(1).split(",")[column])).isCloseTo(1e-5, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(coco.resolve("instances_test.json")).content().contains("\"annotations\"");
        assertThat(coco.resolve("detections_test.json")).content().startsWith("[").contains("\"score\"");
    }

    @Test
    void eachTransferCommandDefaultsToItsOwnBudget() {
        assertThat(MocoCommandTest.run("transfer", "detect", "--help").out())
                .contains("Fine-tuning epochs (default: 16)").containsPattern("epochs \\(default: 0\\.01\\)")
                .contains("(default: 2048)", "(default: 1000)");    // --train and --test
        assertThat(MocoCommandTest.run("transfer", "instances", "--help").out())
                .contains("Fine-tuning epochs (default: 16)").containsPattern("epochs \\(default: 0\\.01\\)");
        assertThat(MocoCommandTest.run("transfer", "segment", "--help").out())
                .contains("Fine-tuning epochs (default: 8)").containsPattern("epochs \\(default: 0\\.02\\)");
    }

    @Test
    void anEncoderForColourImagesIsRefusedForTheGreyCanvases() throws IOException {
        Path weights = dir.resolve("rgb.zip");
        EncoderWeights.save(Encoders.create(EncoderSpec.of("resnet20")), weights);
        MocoCommandTest.Outcome o = MocoCommandTest.run("transfer", "detect", "--init", weights.toString(), "--data",
                idx().toString(), "--train", "2", "--test", "1", "--canvas-size", "16", "--batch-size", "2", "--out",
                dir.resolve("rgb-run").toString());
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("takes 3-channel images but the canvases are grey");
    }

    @Test
    void anEmptyDataDirectoryOrAMissingInitIsNamed() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        MocoCommandTest.Outcome o = MocoCommandTest.run("transfer", "segment", "--init", "random", "--data", empty.toString());
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("moco transfer segment: error:").contains(empty.toString())
                .contains("neither a canvas set");
        MocoCommandTest.Outcome missing = MocoCommandTest.run("eval", "knn", "--checkpoint", dir.resolve("nope.zip").toString(),
                "--data", idx().toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.zip does not exist").contains("'random'");
    }
}
