package dev.moco.bench.benchmark.loader;

import dev.moco.core.data.augment.AugmentationPreset;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moco bench loader}: images per second of the input pipeline alone (see
 * {@link LoaderBenchmark}), to set against {@code moco bench throughput} at the same size.
 *
 * <pre>
 * moco bench loader                                          # 1x28x28:256, 3x64x64:128, 3x224x224:32; 1 and 2 workers
 * moco bench loader --rows 3x224x224:32 --workers 1,2,4,8 --source-size 320
 * </pre>
 */
@Command(name = "loader", mixinStandardHelpOptions = true,
        description = "Measure images/s of the two-view augmentation loader on random in-memory images.")
public final class LoaderCommand implements Callable<Integer> {

    @Option(names = "--rows", split = ",", defaultValue = "1x28x28:256,3x64x64:128,3x224x224:32",
            description = "View shapes and batch sizes, CHANNELSxHEIGHTxWIDTH:BATCH. Default: ${DEFAULT-VALUE}")
    List<String> rows;

    @Option(names = "--workers", split = ",", defaultValue = "1,2",
            description = "Worker thread counts to measure. Default: ${DEFAULT-VALUE}")
    List<Integer> workers;

    @Option(names = "--preset", defaultValue = "v2", description = "Augmentation preset: v1, v2 (aug+) or none. Default: ${DEFAULT-VALUE}")
    String preset;

    @Option(names = "--source-size", defaultValue = "0",
            description = "Height and width of the stored images (0: the view's size). Default: ${DEFAULT-VALUE}")
    int sourceSize;

    @Option(names = "--images", defaultValue = "512", description = "Images in the random data set. Default: ${DEFAULT-VALUE}")
    int images;

    @Option(names = "--seconds", defaultValue = "3", description = "Measuring time per configuration. Default: ${DEFAULT-VALUE}")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "2", description = "Warm-up CPU time per configuration. Default: ${DEFAULT-VALUE}")
    double warmupSeconds;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the data and the augmentations. Default: ${DEFAULT-VALUE}")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        LoaderBenchmark.Options options;
        try {
            options = new LoaderBenchmark.Options(rows.stream().map(LoaderBenchmark.Row::parse).toList(), workers,
                    AugmentationPreset.parse(preset), sourceSize, images, seconds, warmupSeconds, seed);
        } catch (IllegalArgumentException e) {   // every one of these is about an option's value
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        print(LoaderBenchmark.run(options, out), out);
        out.flush();
        return 0;
    }

    /** The per-step table of each row, then the loader table. */
    static void print(LoaderBenchmark.Result r, PrintWriter out) {
        int cores = Runtime.getRuntime().availableProcessors();
        for (LoaderBenchmark.PipelineResult p : r.pipelines()) {
            out.println();
            out.printf(Locale.ROOT, "pipeline %s from %s images, one thread: %.0f views per CPU second%n",
                    p.row().view(), p.source(), p.viewsPerCpuSecond());
            double total = p.steps().stream().mapToDouble(LoaderBenchmark.StepTime::microsPerView).sum();
            out.printf(Locale.ROOT, "  %10s %7s  %s%n", "CPU us/view", "share", "step");
            for (LoaderBenchmark.StepTime s : p.steps()) {
                out.printf(Locale.ROOT, "  %10.1f %6.1f%%  %s%n", s.microsPerView(), 100 * s.microsPerView() / total,
                        s.step());
            }
        }
        out.println();
        out.printf(Locale.ROOT, "%-14s %7s %8s %10s %10s %11s %18s%n", "view", "batch", "workers", "img/s", "views/s",
                "ms/batch", "worker CPU ms/img");
        for (LoaderBenchmark.LoaderResult l : r.loaders()) {
            out.printf(Locale.ROOT, "%-14s %7d %8d %10.1f %10.1f %11.1f %18.3f%n", l.row().view(), l.row().batch(),
                    l.workers(), l.imagesPerSecond(), 2 * l.imagesPerSecond(), l.millisPerBatch(),
                    l.workerCoreMillisPerImage());
        }
        out.printf(Locale.ROOT, "preset %s; %d cores; load average %.2f%n", r.options().preset(), cores,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Runs the command on its own (the {@code moco bench loader} entry point is the CLI's). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new LoaderCommand()).execute(args));
    }
}
