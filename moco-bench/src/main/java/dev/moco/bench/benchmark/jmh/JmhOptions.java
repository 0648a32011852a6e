package dev.moco.bench.benchmark.jmh;

import java.util.Collection;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Option;

/** The JMH run settings the {@code bench} commands share, and the run itself (forked JVMs, 4 GB heap each). */
public final class JmhOptions {

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N", description = "Warm-up iterations. Default: ${DEFAULT-VALUE}")
    int warmup;

    @Option(names = "--iterations", defaultValue = "5", paramLabel = "N", description = "Measured iterations. Default: ${DEFAULT-VALUE}")
    int iterations;

    @Option(names = "--seconds", defaultValue = "2", paramLabel = "S", description = "Seconds per iteration. Default: ${DEFAULT-VALUE}")
    int seconds;

    @Option(names = "--forks", defaultValue = "1", paramLabel = "N", description = "Forked JVMs per benchmark. Default: ${DEFAULT-VALUE}")
    int forks;

    /**
     * Runs the benchmarks matching {@code includes} (JMH's regular expressions).
     *
     * @param includes benchmark name patterns
     * @param customise further settings (parameters) before the run
     * @return JMH's results
     * @throws RunnerException if JMH fails
     */
    Collection<RunResult> run(java.util.List<String> includes, UnaryOperator<ChainedOptionsBuilder> customise)
            throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder();
        includes.forEach(options::include);
        options.warmupIterations(warmup).measurementIterations(iterations)
                .warmupTime(TimeValue.seconds(seconds)).measurementTime(TimeValue.seconds(seconds))
                .forks(forks).jvmArgsAppend("-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        return new Runner(customise.apply(options).build()).run();
    }
}
