package dev.moco.bench.benchmark.throughput;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * An engine that runs the measured training step ({@link ThroughputBenchmark}) on W workers of
 * a cluster, each worker one replica stepping its N/W rows, found with {@link ServiceLoader} so
 * that {@code bench distributed} offers it without depending on a cluster framework. moco-spark
 * registers {@code spark}.
 *
 * <pre>{@code
 * try (DistributedThroughput.Cluster cluster = DistributedThroughput.named("spark").connect("local[2]", 2)) {
 *     List<ThroughputBenchmark.Result> byRank = cluster.run(2, ThroughputBenchmark.Options.row("resnet20"));
 * }
 * }</pre>
 */
public interface DistributedThroughput {

    /** {@return the engine's name, e.g. {@code spark}} */
    String name();

    /**
     * @param master where the workers run, in the engine's terms ({@code local[2]}, {@code spark://host:7077})
     * @param maxWorkers the most workers a {@link Cluster#run} will ask for
     * @return a connection to the cluster, which runs one measurement after another
     */
    Cluster connect(String master, int maxWorkers);

    /** A connection to a cluster: one measurement at a time, from the thread that opened it. */
    interface Cluster extends AutoCloseable {

        /** {@return the master, as the engine names it} */
        String master();

        /** {@return the most bytes one native call of the workers' collective all-reduces: larger buffers go in chunks} */
        long chunkBytes();

        /**
         * Runs {@code row} on {@code workers} workers, each calling
         * {@link ThroughputBenchmark#run(ThroughputBenchmark.Options, java.io.PrintWriter, dev.moco.api.Collective)}
         * with its collective, and waits for them.
         *
         * @return each worker's result, by rank
         */
        List<ThroughputBenchmark.Result> run(int workers, ThroughputBenchmark.Options row);

        @Override
        void close();
    }

    /**
     * @param name an engine's name, e.g. {@code spark}
     * @return the engine of that name on the class path
     * @throws IllegalStateException naming the engines found if none has that name
     */
    static DistributedThroughput named(String name) {
        List<String> found = new ArrayList<>();
        for (DistributedThroughput engine : ServiceLoader.load(DistributedThroughput.class)) {
            if (engine.name().equals(name)) {
                return engine;
            }
            found.add(engine.name());
        }
        throw new IllegalStateException("no distributed throughput engine named '" + name + "' on the class path (found: "
                + (found.isEmpty() ? "none" : String.join(", ", found)) + "); the spark engine is the module moco-spark,"
                + " with Apache Spark 3.5 beside it (./moco adds both to bench distributed)");
    }
}
