package dev.moco.bench.cli.transfer;

import dev.moco.bench.cli.RunDirectory;
import dev.moco.downstream.metrics.SegmentationScores;
import dev.moco.downstream.transfer.SegmentationTask;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code moco transfer segment}: semantic segmentation of the canvases by fine-tuning. Last line {@code mIoU: <value>}. */
@Command(name = "segment", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TransferBudget.Segmentation.class,
        description = "Fine-tunes the encoder with an FCN-style head for semantic segmentation of the canvases (background and"
                + " the garment classes: 11 classes, or 1 + those of --canvas-classes).",
        footer = {"", "Last line: mIoU: <mean IoU over the classes present in truth or prediction>"})
public final class SegmentCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    TransferOptions options;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        RunDirectory.Start start = TransferRun.check(options, spec.commandLine());
        SegmentationTask task = new SegmentationTask(options.garmentClasses());
        try (TransferRun.Outcome outcome = TransferRun.run("segmentation", task, options, start, spec.commandLine(), out)) {
            SegmentationScores scores = task.lastScores();
            StringBuilder perClass = new StringBuilder("per-class IoU: background ");
            perClass.append(format(scores.classIou()[0]));
            for (int c = 1; c < scores.classIou().length; c++) {
                perClass.append(", ").append(task.garmentClasses().name(c - 1)).append(' ').append(format(scores.classIou()[c]));
            }
            out.println(perClass);
            out.printf(Locale.ROOT, "mIoU: %.4f%n", outcome.last().metrics().get(SegmentationTask.MIOU));
            out.flush();
        }
        return 0;
    }

    private static String format(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }
}
