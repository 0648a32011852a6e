package dev.moco.bench.benchmark.jmh;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moco bench transfer}: the JMH benchmark of a segmentation and of a detection
 * fine-tuning step ({@link TransferStepBenchmarks}: ResNet-20, fast path, 16 canvases of
 * 64×64) in a forked JVM. Prints JMH's log, then milliseconds per step and images per second;
 * the last line is {@code transfer step img/s: segment <v> detect <v>}.
 */
@Command(name = "transfer", mixinStandardHelpOptions = true,
        description = "JMH benchmark of a segmentation and a detection fine-tuning step (ResNet-20, 16 canvases of 64x64).")
public final class TransferBenchCommand implements Callable<Integer> {

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Fashion-MNIST IDX files to generate the canvases from. Default: ${DEFAULT-VALUE}")
    String data;

    @Mixin
    JmhOptions jmh;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws RunnerException {
        PrintWriter out = spec.commandLine().getOut();
        Collection<RunResult> results = jmh.run(List.of(TransferStepBenchmarks.class.getName() + ".*"),
                options -> options.param("data", data));
        out.println();
        out.printf(Locale.ROOT, "%-8s %12s %12s %10s%n", "task", "ms/step", "± (99.9%)", "img/s");
        List<String> summary = new ArrayList<>();
        for (RunResult r : results) {
            String task = r.getParams().getParam("task");
            double ms = r.getPrimaryResult().getScore();
            double imagesPerSecond = TransferStepBenchmarks.BATCH * 1000.0 / ms;
            out.printf(Locale.ROOT, "%-8s %12.1f %12.1f %10.1f%n", task, ms, r.getPrimaryResult().getScoreError(), imagesPerSecond);
            summary.add(String.format(Locale.ROOT, "%s %.1f", task, imagesPerSecond));
        }
        out.println("transfer step img/s: " + String.join(" ", summary));
        out.flush();
        return results.isEmpty() ? 1 : 0;
    }
}
