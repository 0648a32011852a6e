package dev.moco.bench.benchmark.throughput;

import dev.moco.bench.experiment.Provenance;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moco bench distributed}: the training step of {@code bench throughput}'s rows split
 * over W workers of a Spark cluster (the engine moco-spark registers,
 * {@link DistributedThroughput}), for each W of {@code --workers}. Per row and W it prints where
 * a step's time goes (compute, the gradient all-reduce, the gathers, the other all-reduces),
 * the bytes each worker sends, the bus bandwidth of the gradient all-reduce, the images per
 * second and the scaling efficiency; then the step projected on {@code --nodes} nodes at
 * {@code --gbit} links ({@link ScalingProjection}). The last line is
 * {@code scaling efficiency W=<top> vs W=<base>: <row> <efficiency>, ...}.
 *
 * <pre>
 * ./moco bench distributed --workers 1,2 --encoders resnet20,resnet18     # local[2]
 * ./moco bench distributed --spark spark://127.0.0.1:7077 --workers 1,2 --encoders resnet50 --steps 2 --warmup 1
 * </pre>
 */
@Command(name = "distributed", mixinStandardHelpOptions = true,
        description = "Measure the training step split over W Spark workers: compute, all-reduce, gathers, bytes, img/s,"
                + " scaling efficiency, and its projection on larger clusters. Needs moco-spark (./moco adds it).")
public final class DistributedThroughputCommand implements Callable<Integer> {

    /** The engine {@code --spark} selects. */
    static final String ENGINE = "spark";

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Where the workers run: spark://host:port of a standalone cluster (every W of --workers needs W"
                    + " free one-core executors), or local[n]. Default: local[<largest W>]")
    String master;

    @Option(names = "--workers", split = ",", paramLabel = "W", description = "Worker counts, each measured. Default: 1,2")
    List<Integer> workers = List.of(1, 2);

    @Option(names = "--encoders", split = ",",
            description = "Rows of bench throughput to measure: resnet20 (1x28x28, N=256), resnet18 (3x64x64, N=128),"
                    + " resnet50 (3x224x224, N=32). Default: all three")
    List<String> encoders = List.of("resnet20", "resnet18", "resnet50");

    @CommandLine.Mixin
    StepOptions step = new StepOptions();

    @Option(names = "--nodes", split = ",", description = "Node counts of the projection. Default: 8,16,64")
    List<Integer> nodes = List.of(8, 16, 64);

    @Option(names = "--gbit", split = ",", description = "Link bandwidths of the projection, Gb/s. Default: 10,25")
    List<Double> gigabits = List.of(10.0, 25.0);

    @Option(names = "--latency-us", description = "Latency of one ring step in the projection, µs. Default: 50")
    double latencyMicros = 50;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<Integer> counts = new ArrayList<>(workers);
        Collections.sort(counts);
        if (counts.isEmpty() || counts.get(0) < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workers must list worker counts of 1 or more, got "
                    + workers);
        }
        List<ThroughputBenchmark.Options> rows = new ArrayList<>();
        for (String encoder : encoders) {
            rows.add(step.applyTo(encoder, ThroughputBenchmark.Options.row(encoder)));
        }
        PrintWriter out = spec.commandLine().getOut();
        int largest = counts.get(counts.size() - 1);
        String summary;
        try (DistributedThroughput.Cluster cluster = engine().connect(master != null ? master : "local[" + largest + "]", largest)) {
            out.printf(Locale.ROOT, "bench distributed on %s, %s, %d cores%n", cluster.master(), Provenance.current().cpu(),
                    Runtime.getRuntime().availableProcessors());
            List<String> efficiencies = new ArrayList<>();
            for (ThroughputBenchmark.Options row : rows) {
                Map<Integer, ThroughputBenchmark.Result> byWorkers = new LinkedHashMap<>();
                for (int w : counts) {
                    List<ThroughputBenchmark.Result> results = cluster.run(w, row);
                    byWorkers.put(w, results.get(0));
                }
                print(row, byWorkers, out);
                projection(byWorkers, cluster.chunkBytes()).ifPresent(p -> printProjection(row, p, out));
                efficiencies.add(String.format(Locale.ROOT, "%s %.2f", row.encoder(), efficiency(byWorkers)));
                out.flush();
            }
            summary = String.format(Locale.ROOT, "scaling efficiency W=%d vs W=%d: %s", largest, counts.get(0),
                    String.join(", ", efficiencies));
        }
        out.println(summary);
        out.flush();
        return 0;
    }

    private DistributedThroughput engine() {
        try {
            return DistributedThroughput.named(ENGINE);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * The row's table: one line per W, worker 0's medians; "cores" is the CPU time of worker 0's
     * JVM per step over the step (an executor's: its worker's; on {@code local[W]}: all workers').
     */
    static void print(ThroughputBenchmark.Options o, Map<Integer, ThroughputBenchmark.Result> byWorkers, PrintWriter out) {
        ThroughputBenchmark.Result first = byWorkers.values().iterator().next();
        out.println();
        out.printf(Locale.ROOT, "encoder %s | dictionary %s | N=%d K=%d G=%d | %dx%dx%d | %d steps after %d warm-up%n",
                first.encoderDescription(), o.dictionary(), o.batch(), o.queueSize(), o.shuffleGroups(), o.channels(),
                o.imageSize(), o.imageSize(), o.steps(), o.warmup());
        out.printf(Locale.ROOT, "%3s %9s %10s %11s %9s %10s %12s %8s %8s %10s %6s %6s%n", "W", "step ms", "compute ms",
                "gradient ms", "gather ms", "stats ms", "MB sent/step", "bus GB/s", "img/s", "efficiency", "cores", "load");
        double base = Double.NaN;
        for (Map.Entry<Integer, ThroughputBenchmark.Result> e : byWorkers.entrySet()) {
            int w = e.getKey();
            ThroughputBenchmark.Result r = e.getValue();
            Map<String, Double> ms = r.phaseMillis();
            double perWorker = r.imagesPerSecond() / w;
            if (Double.isNaN(base)) {
                base = perWorker;
            }
            double gradientMillis = ms.getOrDefault(TimedCollective.GRADIENTS, 0.0);
            double sent = 2.0 * (w - 1) / w * r.collectiveBytes().values().stream().mapToLong(Long::longValue).sum();
            double bus = w < 2 || gradientMillis <= 0 ? Double.NaN
                    : 2.0 * (w - 1) / w * r.collectiveBytes().getOrDefault(TimedCollective.GRADIENTS, 0L) / (gradientMillis / 1e3) / 1e9;
            out.printf(Locale.ROOT, "%3d %9.1f %10.1f %11.1f %9.1f %10.1f %12.1f %8s %8.1f %10.2f %6.2f %6.2f%n", w, r.medianStepMillis(),
                    ms.getOrDefault(ThroughputBenchmark.Result.COMPUTE, r.medianStepMillis()), gradientMillis,
                    ms.getOrDefault(TimedCollective.GATHER, 0.0), ms.getOrDefault(TimedCollective.STATISTICS, 0.0), sent / 1e6,
                    Double.isNaN(bus) ? "" : String.format(Locale.ROOT, "%.2f", bus), r.imagesPerSecond(), perWorker / base,
                    ms.getOrDefault(ThroughputBenchmark.PROCESS_CPU, 0.0) / r.medianStepMillis(), r.loadAverage());
        }
    }

    /** Images per second per worker at the largest W over those at the smallest. */
    static double efficiency(Map<Integer, ThroughputBenchmark.Result> byWorkers) {
        List<Integer> counts = new ArrayList<>(byWorkers.keySet());
        int base = counts.get(0);
        int top = counts.get(counts.size() - 1);
        return byWorkers.get(top).imagesPerSecond() / top / (byWorkers.get(base).imagesPerSecond() / base);
    }

    /**
     * The projection of a row from its one-worker compute time and the collective traffic of its
     * smallest W of 2 or more: absent without both. The compute time is the one-worker step's wall
     * time, or its JVM's CPU time where that is less: one core's step, without the share other
     * jobs on the machine took.
     */
    Optional<ScalingProjection> projection(Map<Integer, ThroughputBenchmark.Result> byWorkers, long chunkBytes) {
        ThroughputBenchmark.Result alone = byWorkers.get(1);
        Optional<ThroughputBenchmark.Result> split = byWorkers.entrySet().stream().filter(e -> e.getKey() > 1)
                .map(Map.Entry::getValue).findFirst();
        if (alone == null || split.isEmpty()) {
            return Optional.empty();
        }
        List<ScalingProjection.Traffic> traffic = new ArrayList<>();
        split.get().collectiveBytes().forEach((phase, bytes) -> traffic.add(new ScalingProjection.Traffic(phase, bytes,
                split.get().collectiveCalls().getOrDefault(phase, 0L), phase.equals(TimedCollective.GATHER))));
        double cpu = alone.phaseMillis().getOrDefault(ThroughputBenchmark.PROCESS_CPU, 0.0);
        double compute = cpu > 0 ? Math.min(alone.medianStepMillis(), cpu) : alone.medianStepMillis();
        return Optional.of(new ScalingProjection(compute, traffic, latencyMicros, chunkBytes));
    }

    void printProjection(ThroughputBenchmark.Options o, ScalingProjection p, PrintWriter out) {
        out.printf(Locale.ROOT, "projected on nodes of %d images each (compute %.1f ms: the W=1 step's CPU time, or its wall"
                + " time if less; ring all-reduce, latency %.0f µs per ring step, no overlap):%n", o.batch(), p.computeMillis(),
                p.latencyMicros());
        out.printf(Locale.ROOT, "%6s %6s %13s %15s %13s %9s %10s%n", "nodes", "Gb/s", "MB sent/node", "bandwidth ms", "latency ms",
                "step ms", "efficiency");
        for (int n : nodes) {
            for (double g : gigabits) {
                out.printf(Locale.ROOT, "%6d %6.0f %13.1f %15.1f %13.1f %9.1f %10.2f%n", n, g, p.bytesSentPerNode(n) / 1e6,
                        p.bandwidthMillis(n, g), p.latencyMillis(n), p.stepMillis(n, g), p.efficiency(n, g));
            }
        }
    }
}
