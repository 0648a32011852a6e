package dev.moco.bench.benchmark.throughput;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moco bench throughput}: images per second of the full MoCo training step on random
 * data (see {@link ThroughputBenchmark}). Prints the per-step log, a table of where the median
 * step's time goes, and as its last line {@code throughput: <median images/s> img/s}.
 *
 * <pre>
 * moco bench throughput                                   # ResNet-20 fast path, queue K=4096, N=256, G=8
 * moco bench throughput --impl reference --steps 3 --warmup 1
 * moco bench throughput --encoder resnet18 --channels 3 --image-size 64 --batch 128 --queue-size 16384
 * moco bench throughput --encoder resnet50 --channels 3 --image-size 224 --batch 32 --queue-size 16384 --shuffle-groups 4
 * moco bench throughput --queue-size 65536                # the dictionary's share at a large K
 * </pre>
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = "Measure images/s of the full MoCo training step on random images (default 1x28x28).")
public final class ThroughputCommand implements Callable<Integer> {

    @Option(names = "--encoder", defaultValue = "resnet20",
            description = "Architecture: resnet20/32/44/56/110 (small-input) or resnet18/34/50/101 (ImageNet layout). Default: ${DEFAULT-VALUE}")
    String encoder;

    @CommandLine.Mixin
    StepOptions step = new StepOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ThroughputBenchmark.Options options = step.applyTo(encoder, ThroughputBenchmark.Options.defaults());
        ThroughputBenchmark.Result r = ThroughputBenchmark.run(options, out);
        print(r, out);
        out.flush();
        return 0;
    }

    /** The summary table, ending with the {@code throughput:} line. */
    static void print(ThroughputBenchmark.Result r, PrintWriter out) {
        ThroughputBenchmark.Options o = r.options();
        out.println();
        out.printf(Locale.ROOT, "encoder %s | dictionary %s | N=%d K=%d G=%d | %dx%dx%d | %d steps after %d warm-up%n",
                r.encoderDescription(), o.dictionary(), o.batch(), o.queueSize(), o.shuffleGroups(), o.channels(),
                o.imageSize(), o.imageSize(), o.steps(), o.warmup());
        out.printf(Locale.ROOT, "%-22s %12s %8s%n", "phase (median)", "ms/step", "share");
        double step = r.medianStepMillis();
        for (Map.Entry<String, Double> e : r.phaseMillis().entrySet()) {
            if (!e.getKey().equals(ThroughputBenchmark.PROCESS_CPU) && !e.getKey().equals(TimedDictionary.OWN_WORK)) {
                out.printf(Locale.ROOT, "%-22s %12.1f %7.1f%%%n", e.getKey(), e.getValue(), 100 * e.getValue() / step);
            }
        }
        out.printf(Locale.ROOT, "%-22s %12s %7.1f%%%n", "dictionary own work", "", 100 * r.dictionaryShare());
        out.printf(Locale.ROOT, "step FLOPs %.1f GFLOP, achieved %.1f GFLOP/s; peak resident memory %.0f MiB; last loss %.4f%n",
                r.gflopPerStep(), r.gflopsPerSecond(), r.peakResidentBytes() / 1048576.0, r.lastLoss());
        double cpu = r.phaseMillis().getOrDefault(ThroughputBenchmark.PROCESS_CPU, 0.0);
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf(Locale.ROOT, "process CPU time %.1f ms/step (%.2f of %d cores busy); load average %.2f%s%n", cpu,
                cpu / step, cores, r.loadAverage(), cpu > 0 && cpu / step < 0.75 * cores
                        ? " -- other processes took part of the cores, the numbers are pessimistic" : "");
        out.printf(Locale.ROOT, "throughput: %.1f img/s%n", r.imagesPerSecond());
    }

    /** Runs the command on its own (the {@code moco bench throughput} entry point is the CLI's). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ThroughputCommand()).execute(args));
    }
}
