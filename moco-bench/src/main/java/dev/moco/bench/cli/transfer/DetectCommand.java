package dev.moco.bench.cli.transfer;

import dev.moco.bench.cli.RunDirectory;
import dev.moco.downstream.canvas.CocoJson;
import dev.moco.downstream.transfer.DetectionTask;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

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

    @Mixin
    CocoOutput coco;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        RunDirectory.Start start = TransferRun.check(options, spec.commandLine());
        coco.check(options);
        DetectionTask task = new DetectionTask(options.garmentClasses());
        try (TransferRun.Outcome outcome = TransferRun.run("detection", task, options, start, spec.commandLine(), out)) {
            coco.write(outcome.canvases().test(), file -> CocoJson.writeResults(task.lastDetections(), file),
                    task.lastDetections().size(), out);
            Map<String, Double> m = outcome.last().metrics();
            out.printf(Locale.ROOT, "AP: %.4f AP50: %.4f AP75: %.4f%n", m.get(DetectionTask.AP), m.get(DetectionTask.AP50),
                    m.get(DetectionTask.AP75));
            out.flush();
        }
        return 0;
    }
}
