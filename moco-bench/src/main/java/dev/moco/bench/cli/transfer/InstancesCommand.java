package dev.moco.bench.cli.transfer;

import dev.moco.bench.cli.RunDirectory;
import dev.moco.downstream.canvas.CocoJson;
import dev.moco.downstream.transfer.InstanceSegmentationTask;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code moco transfer instances}: instance segmentation of the garments on the canvases by
 * fine-tuning, scored with COCO mask AP and box AP. Last two lines
 * {@code box AP: <value> AP50: <value> AP75: <value>} and
 * {@code mask AP: <value> AP50: <value> AP75: <value>}.
 */
@Command(name = "instances", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TransferBudget.Instances.class,
        description = {"Fine-tunes the encoder with a CenterNet-style head and YOLACT-style masks (prototypes and per-object"
            + " coefficients) for instance segmentation of the canvases (10 classes, or those of --canvas-classes)."},
        footer = {"", "--coco-out writes instances_test.json (ground truth) and detections_test.json (COCO results with"
            + " compressed RLE masks)", "for pycocotools: COCOeval(COCO(gt), COCO(gt).loadRes(dt), 'segm' or 'bbox').",
            "Last lines: box AP: <value> AP50: <value> AP75: <value>", "           mask AP: <value> AP50: <value> AP75: <value>"})
public final class InstancesCommand implements Callable<Integer> {

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
        InstanceSegmentationTask task = new InstanceSegmentationTask(options.garmentClasses(),
                InstanceSegmentationTask.DEFAULT_PROTOTYPES);
        try (TransferRun.Outcome outcome = TransferRun.run("instance segmentation", task, options, start, spec.commandLine(), out)) {
            coco.write(outcome.canvases().test(), file -> CocoJson.writeInstanceResults(task.lastInstances(), file),
                    task.lastInstances().size(), out);
            Map<String, Double> m = outcome.last().metrics();
            out.printf(Locale.ROOT, "box AP: %.4f AP50: %.4f AP75: %.4f%n", m.get(InstanceSegmentationTask.BOX_AP),
                    m.get(InstanceSegmentationTask.BOX_AP50), m.get(InstanceSegmentationTask.BOX_AP75));
            out.printf(Locale.ROOT, "mask AP: %.4f AP50: %.4f AP75: %.4f%n", m.get(InstanceSegmentationTask.MASK_AP),
                    m.get(InstanceSegmentationTask.MASK_AP50), m.get(InstanceSegmentationTask.MASK_AP75));
            out.flush();
        }
        return 0;
    }
}
