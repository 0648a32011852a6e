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
import picocli.CommandLine.Option;

/**
 * {@code moco bench dictionary}: the JMH microbenchmarks of the dictionary operations
 * ({@link DictionaryBenchmarks}) at K = 4096, 16384, 65536, and of the full training step of
 * the three mechanisms ({@link StepBenchmarks}), in a forked JVM each. Prints JMH's log, then
 * a table of milliseconds per operation; the last line is {@code dictionary benchmarks: <n> results}.
 *
 * <pre>
 * ./moco bench dictionary                       # everything, about 5 minutes
 * ./moco bench dictionary --only queue --k 65536
 * </pre>
 */
@Command(name = "dictionary", mixinStandardHelpOptions = true,
        description = "JMH microbenchmarks: enqueue, logits against the queue, memory-bank sampling and update at K up to 65,536, and the full step of the three mechanisms.")
public final class DictionaryBenchCommand implements Callable<Integer> {

    @Option(names = "--only", paramLabel = "REGEX", description = "Only benchmarks whose name matches, e.g. queue, memoryBank, trainingStep.")
    String only;

    @Option(names = "--k", split = ",", paramLabel = "K", description = "Values of K for the dictionary operations (default: 4096,16384,65536).")
    List<String> k = new ArrayList<>();

    @picocli.CommandLine.Mixin
    JmhOptions jmh;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws RunnerException {
        PrintWriter out = spec.commandLine().getOut();
        String suffix = "." + (only == null ? ".*" : ".*" + only + ".*");
        Collection<RunResult> results = jmh.run(List.of(DictionaryBenchmarks.class.getName() + suffix,
                StepBenchmarks.class.getName() + suffix), options -> k.isEmpty() ? options : options.param("k", k.toArray(String[]::new)));
        out.println();
        out.printf(Locale.ROOT, "%-26s %-14s %12s %12s%n", "benchmark", "parameter", "ms/op", "± (99.9%)");
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            String param = r.getParams().getParamsKeys().stream().map(p -> p + "=" + r.getParams().getParam(p))
                    .reduce((a, b) -> a + " " + b).orElse("");
            var score = r.getPrimaryResult();
            out.printf(Locale.ROOT, "%-26s %-14s %12.3f %12.3f%n", name.substring(name.lastIndexOf('.') + 1), param,
                    score.getScore(), score.getScoreError());
        }
        out.printf(Locale.ROOT, "dictionary benchmarks: %d results%n", results.size());
        out.flush();
        return results.isEmpty() ? 1 : 0;
    }
}
