package dev.moco.bench.cli.transfer;

import dev.moco.bench.cli.RunDirectory;
import dev.moco.downstream.canvas.CanvasDirectory;
import dev.moco.downstream.canvas.CocoJson;
import dev.moco.downstream.metrics.SegmentationScores;
import dev.moco.downstream.transfer.SegmentationTask;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code moco transfer segment}: semantic segmentation of the canvases by fine-tuning. Last line {@code mIoU: <value>}. */
@Command(name = "segment", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TransferBudget.Segmentation.class,
        description = "Fine-tunes the encoder with an FCN-style head for semantic segmentation of the canvases (background and"
                + " the garment classes: 11 classes, or 1 + those of --canvas-classes).",
        footer = {"", "--masks-out writes the predicted mask of every test canvas as the ground truth is stored:",
            "masks/000001.png, 8-bit grey, 0 background and label + 1 (compare with <canvases>/test/masks/).",
            "Last line: mIoU: <mean IoU over the classes present in truth or prediction>"})
public final class SegmentCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    TransferOptions options;

    @Option(names = "--masks-out", paramLabel = "DIR",
            description = "Also write the predicted test masks as PNGs (DIR/masks/<image id>.png, as the ground truth's).")
    Path masksOut;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        RunDirectory.Start start = TransferRun.check(options, spec.commandLine());
        if (masksOut != null) {
            options.requireFreshOutput("--masks-out", masksOut, List.of(CocoJson.MASKS));
        }
        SegmentationTask task = new SegmentationTask(options.garmentClasses());
        try (TransferRun.Outcome outcome = TransferRun.run("segmentation", task, options, start, spec.commandLine(), out)) {
            SegmentationScores scores = task.lastScores();
            StringBuilder perClass = new StringBuilder("per-class IoU: background ");
            perClass.append(format(scores.classIou()[0]));
            for (int c = 1; c < scores.classIou().length; c++) {
                perClass.append(", ").append(task.garmentClasses().name(c - 1)).append(' ').append(format(scores.classIou()[c]));
            }
            out.println(perClass);
            if (masksOut != null) {
                CanvasDirectory.writeMasks(task.lastMasks(), outcome.canvases().spec().size(), masksOut);
                out.println("wrote " + task.lastMasks().size() + " predicted masks to " + masksOut.resolve(CocoJson.MASKS));
            }
            out.printf(Locale.ROOT, "mIoU: %.4f%n", outcome.last().metrics().get(SegmentationTask.MIOU));
            out.flush();
        }
        return 0;
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }
}
