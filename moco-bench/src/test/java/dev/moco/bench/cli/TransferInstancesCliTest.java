package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.bench.cli.transfer.CocoOutput;
import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CocoJson;
import dev.moco.downstream.canvas.GarmentInstance;
import dev.moco.downstream.metrics.CocoEvaluator;
import dev.moco.downstream.metrics.DetectedInstance;
import dev.moco.downstream.metrics.DetectionScores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transfer instances} end to end on tiny generated canvases, and the {@code --coco-out}
 * files of it and of {@code transfer detect}: read back and scored again, they give the AP the
 * command printed.
 */
class TransferInstancesCliTest {

    private static final int CANVAS = 16;

    @TempDir
    Path dir;

    private Path idx() throws IOException {
        Path data = MocoCommandTest.writeIdx(dir.resolve("idx"), 24);
        Files.copy(data.resolve("train-images-idx3-ubyte"), data.resolve("t10k-images-idx3-ubyte"));
        Files.copy(data.resolve("train-labels-idx1-ubyte"), data.resolve("t10k-labels-idx1-ubyte"));
        return data;
    }

    private static MocoCommandTest.Outcome transfer(String command, Path data, Path out, Path coco) {
        return MocoCommandTest.run("transfer", command, "--init", "random", "--data", data.toString(), "--train", "4",
                "--test", "3", "--canvas-size", Integer.toString(CANVAS), "--epochs", "1", "--batch-size", "4",
                "--head-width", "8", "--out", out.toString(), "--coco-out", coco.toString());
    }

    private static List<String> lines(String out) {
        return List.of(out.strip().split("\n")).stream().map(String::strip).toList();
    }

    /** The ground truth of an instances file, as canvases without pixels (all scoring reads). */
    private static List<Canvas> truth(Path file) {
        List<Canvas> canvases = new ArrayList<>();
        for (Map.Entry<Integer, List<GarmentInstance>> e : CocoJson.readInstances(file, CANVAS).entrySet()) {
            canvases.add(new Canvas(e.getKey(), CANVAS, new byte[CANVAS * CANVAS], new byte[CANVAS * CANVAS], e.getValue()));
        }
        return canvases;
    }

    private static String scores(String prefix, DetectionScores s) {
        return String.format(Locale.ROOT, "%s: %.4f AP50: %.4f AP75: %.4f", prefix, s.ap(), s.ap50(), s.ap75());
    }

    @Test
    void instancesPrintsBoxThenMaskApAndItsCocoFilesRescoreToThem() throws IOException {
        Path coco = dir.resolve("coco");
        MocoCommandTest.Outcome run = transfer("instances", idx(), dir.resolve("instances"), coco);
        assertThat(run.exitCode()).as(run.err()).isZero();
        MocoCommandTest.assertFineTunedOnTheFastEngine(run.out());
        List<String> lines = lines(run.out());
        String maskLine = lines.get(lines.size() - 1);
        String boxLine = lines.get(lines.size() - 2);
        assertThat(maskLine).matches("mask AP: [01]\\.\\d{4} AP50: [01]\\.\\d{4} AP75: [01]\\.\\d{4}");
        assertThat(boxLine).matches("box AP: [01]\\.\\d{4} AP50: [01]\\.\\d{4} AP75: [01]\\.\\d{4}");
        assertThat(dir.resolve("instances").resolve("metrics.csv")).content()
                .startsWith("epoch,loss,mask_AP,mask_AP50,mask_AP75,box_AP,box_AP50,box_AP75,images_per_second");

        Path results = coco.resolve(CocoOutput.RESULTS);
        assertThat(results).content().containsPattern("\"segmentation\":\\{\"size\":\\[16,16\\],\"counts\":\"[0-o]*\"\\}");
        List<DetectedInstance> found = CocoJson.readInstanceResults(results);
        assertThat(found).isNotEmpty();
        List<Canvas> truth = truth(coco.resolve(CocoOutput.TRUTH));
        assertThat(truth).hasSize(3);
        DetectionScores masks = CocoEvaluator.masks().evaluate(CocoJson.groundTruthMasks(truth), found);
        DetectionScores boxes = CocoEvaluator.boxes().evaluate(CocoJson.groundTruth(truth),
                found.stream().map(DetectedInstance::detectedBox).toList());
        assertThat(scores("mask AP", masks)).isEqualTo(maskLine);
        assertThat(scores("box AP", boxes)).isEqualTo(boxLine);
        assertThat(CocoJson.readResults(results)).hasSameSizeAs(found);
    }

    @Test
    void detectCocoFilesRescoreToThePrintedAp() throws IOException {
        Path coco = dir.resolve("coco");
        MocoCommandTest.Outcome run = transfer("detect", idx(), dir.resolve("detect"), coco);
        assertThat(run.exitCode()).as(run.err()).isZero();
        MocoCommandTest.assertFineTunedOnTheFastEngine(run.out());
        List<String> lines = lines(run.out());
        DetectionScores boxes = CocoEvaluator.boxes().evaluate(CocoJson.groundTruth(truth(coco.resolve(CocoOutput.TRUTH))),
                CocoJson.readResults(coco.resolve(CocoOutput.RESULTS)));
        assertThat(scores("AP", boxes)).isEqualTo(lines.get(lines.size() - 1));
    }

    @Test
    void instancesHasItsOwnBudgetAndRunDirectory() {
        assertThat(MocoCommandTest.run("transfer", "instances", "--help").out())
                .contains("Fine-tuning epochs (default: 16)", "runs/transfer-instances", "--coco-out")
                .containsPattern("epochs \\(default: 0\\.01\\)");
        assertThat(MocoCommandTest.run("transfer", "--help").out()).contains("instances");
    }
}
