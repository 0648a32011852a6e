package dev.moco.bench.benchmark;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code moco bench}: the measurement commands (throughput of the training step, ...). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: see the subcommands.",
        subcommands = {dev.moco.bench.benchmark.throughput.ThroughputCommand.class,
                dev.moco.bench.benchmark.throughput.DistributedThroughputCommand.class, dev.moco.bench.benchmark.loader.LoaderCommand.class,
                dev.moco.bench.benchmark.jmh.DictionaryBenchCommand.class, dev.moco.bench.benchmark.jmh.TransferBenchCommand.class,
                dev.moco.bench.benchmark.memory.SoakCommand.class, dev.moco.bench.benchmark.memory.AllocationsCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
