package dev.moco.bench.cli.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CocoJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * {@code --coco-out DIR} of {@code transfer detect} and {@code transfer instances}: the test
 * canvases' ground truth ({@value #TRUTH}, COCO instances with uncompressed RLE masks) and the
 * command's results on them ({@value #RESULTS}, a COCO results list; with compressed RLE masks
 * for instances), so that pycocotools re-scores a run:
 * {@code COCOeval(gt, gt.loadRes(dt), "bbox" or "segm")}.
 */
public final class CocoOutput {

    public static final String TRUTH = "instances_test.json";
    public static final String RESULTS = "detections_test.json";

    @Option(names = "--coco-out", paramLabel = "DIR",
            description = "Also write the test ground truth and the results as COCO JSON (" + TRUTH + ", " + RESULTS + ").")
    Path dir;

    /**
     * Checks DIR before any work: that it can be written, and that it holds no COCO files of
     * another run unless {@code --overwrite} or {@code --resume} is given.
     *
     * @throws IllegalArgumentException naming the directory and the file
     */
    void check(TransferOptions options) {
        if (dir != null) {
            options.requireFreshOutput("--coco-out", dir, List.of(TRUTH, RESULTS));
        }
    }

    /**
     * Writes both files when {@code --coco-out} was given.
     *
     * @param test the test canvases, whose ground truth is written
     * @param results writes the results file at the path it is given
     * @param count how many results there are, for the message
     */
    void write(List<Canvas> test, Consumer<Path> results, int count, PrintWriter out) throws IOException {
        if (dir == null) {
            return;
        }
        Files.createDirectories(dir);
        Path truth = dir.resolve(TRUTH);
        Path detections = dir.resolve(RESULTS);
        CocoJson.writeInstances(test, truth, "test canvases");
        results.accept(detections);
        out.println("wrote " + truth + " and " + detections + " (" + count + " detections)");
    }
}
