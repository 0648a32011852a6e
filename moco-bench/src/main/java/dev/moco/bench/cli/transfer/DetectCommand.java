package dev.moco.bench.cli.transfer;

import dev.moco.bench.cli.RunDirectory;
import dev.moco.downstream.canvas.CocoJson;
import dev.moco.downstream.transfer.DetectionTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moco transfer detect}: garment detection on the canvases by fine-tuning, scored with
 * COCO box AP. Last line {@code AP: <value> AP50: <value> AP75: <value>}.
 */
@Command(name = "detect", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TransferBudget.Detection.class,
        description = "Fine-tunes the encoder with a CenterNet-style head for detection on the canvases (10 classes, or those"
                + " of --canvas-classes).",
        footer = {"", "--coco-out writes instances_test.json (ground truth) and detections_test.json (COCO results)",
            "for pycocotools: COCOeval(COCO(gt), COCO(gt).loadRes(dt), 'bbox').",
            "Last line: AP: <value> AP50: <value> AP75: <value>"})
public final class DetectCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    TransferOptions options;

    @Option(names = "--coco-out", paramLabel = "DIR", description = "Also write the test ground truth and detections as COCO JSON.")
    Path cocoOut;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        RunDirectory.Start start = TransferRun.check(options, spec.commandLine());
        DetectionTask task = new DetectionTask(options.garmentClasses());
        Path truth = cocoOut == null ? null : cocoOut.resolve("instances_test.json");
        Path detections = cocoOut == null ? null : cocoOut.resolve("detections_test.json");
        if (cocoOut != null) {
            RunDirectory.requireWritable("--coco-out", cocoOut);
            for (Path file : List.of(truth, detections)) {
                if (Files.exists(file) && !options.run.overwrite && !options.run.resume) {
                    throw new IllegalArgumentException("--coco-out " + cocoOut + " already holds " + file.getFileName()
                            + ": pass --overwrite to replace it, or choose another directory");
                }
            }
        }
        try (TransferRun.Outcome outcome = TransferRun.run("detection", task, options, start, spec.commandLine(), out)) {
            if (cocoOut != null) {
                Files.createDirectories(cocoOut);
                CocoJson.writeInstances(outcome.canvases().test(), truth, "test canvases");
                CocoJson.writeResults(task.lastDetections(), detections);
                out.println("wrote " + truth + " and " + detections + " (" + task.lastDetections().size() + " detections)");
            }
            Map<String, Double> m = outcome.last().metrics();
            out.printf(Locale.ROOT, "AP: %.4f AP50: %.4f AP75: %.4f%n", m.get(DetectionTask.AP), m.get(DetectionTask.AP50),
                    m.get(DetectionTask.AP75));
            out.flush();
        }
        return 0;
    }
}
