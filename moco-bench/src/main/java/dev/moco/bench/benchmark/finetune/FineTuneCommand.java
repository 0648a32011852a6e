package dev.moco.bench.benchmark.finetune;

import dev.moco.bench.benchmark.throughput.ThroughputBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moco bench finetune}: images per second of the dense-transfer fine-tuning step against
 * the MoCo step of the same encoder and batch ({@link FineTuneBenchmark}). Prints the step logs,
 * a table, and as its last line {@code finetune/moco: segment <ratio> detect <ratio>}.
 *
 * <pre>
 * moco bench finetune                                 # ResNet-20, 64 images of 64x64, both heads
 * moco bench finetune --head-impl reference --steps 3 --warmup 1 --task segment
 * </pre>
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure images/s of the segmentation and detection fine-tuning steps against the MoCo step"
                + " (same encoder and batch).",
        footer = {"", "Last line: finetune/moco: segment <ratio> detect <ratio>"})
public final class FineTuneCommand implements Callable<Integer> {

    @Option(names = "--encoder", defaultValue = "resnet20", description = "Architecture of both steps. Default: ${DEFAULT-VALUE}")
    String encoder;

    @Option(names = "--batch", defaultValue = "64", description = "Images per step N of both. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--image-size", defaultValue = "64", description = "Canvas and MoCo image side. Default: ${DEFAULT-VALUE}")
    int imageSize;

    @Option(names = "--channels", defaultValue = "3",
            description = "Channels of the MoCo step's images (the canvases are grey). Default: ${DEFAULT-VALUE}")
    int channels;

    @Option(names = "--queue-size", defaultValue = "4096", description = "The MoCo step's negatives K. Default: ${DEFAULT-VALUE}")
    int queueSize;

    @Option(names = "--shuffle-groups", defaultValue = "8", description = "The MoCo step's shuffle-BN groups G. Default: ${DEFAULT-VALUE}")
    int shuffleGroups;

    @Option(names = "--head-impl", defaultValue = "auto",
            description = "The heads' code: auto (fast where oneDNN loads), fast or reference. Default: ${DEFAULT-VALUE}")
    String headImplementation;

    @Option(names = "--task", defaultValue = "segment,detect", split = ",",
            description = "Fine-tuning tasks to measure: segment, detect, instances. Default: ${DEFAULT-VALUE}")
    List<String> tasks;

    @Option(names = "--steps", defaultValue = "10", description = "Measured steps of each. Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured warm-up steps of each. Default: ${DEFAULT-VALUE}")
    int warmup;

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Fashion-MNIST IDX files to generate the canvases from, or a canvas set. Default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of data and initialisation. Default: ${DEFAULT-VALUE}")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        FineTuneBenchmark.Result r = FineTuneBenchmark.run(new FineTuneBenchmark.Options(encoder, batch, imageSize, channels,
                queueSize, shuffleGroups, steps, warmup, headImplementation, data, tasks, seed), out);
        ThroughputBenchmark.Result moco = r.moco();
        out.println();
        out.printf(Locale.ROOT, "%-46s %10s %10s %8s%n", "step (median)", "ms/step", "img/s", "ratio");
        out.printf(Locale.ROOT, "%-46s %10.1f %10.1f %8s%n", String.format(Locale.ROOT, "MoCo, %s, %dx%dx%d, K=%d, G=%d",
                moco.encoderDescription(), channels, imageSize, imageSize, queueSize, shuffleGroups),
                moco.medianStepMillis(), moco.imagesPerSecond(), "1.00");
        List<String> ratios = new ArrayList<>();
        for (FineTuneBenchmark.TaskResult t : r.tasks()) {
            double ratio = t.imagesPerSecond() / moco.imagesPerSecond();
            out.printf(Locale.ROOT, "%-46s %10.1f %10.1f %8.2f%n", String.format(Locale.ROOT, "fine-tune %s, %s, 1x%dx%d",
                    t.task(), t.head(), imageSize, imageSize), t.medianStepMillis(), t.imagesPerSecond(), ratio);
            ratios.add(String.format(Locale.ROOT, "%s %.2f", t.task(), ratio));
        }
        out.printf(Locale.ROOT, "N=%d; load average %.2f at the end of the MoCo step's run (other processes make the numbers"
                + " slower)%n", batch, moco.loadAverage());
        out.println("finetune/moco: " + String.join(" ", ratios));
        out.flush();
        return 0;
    }
}
