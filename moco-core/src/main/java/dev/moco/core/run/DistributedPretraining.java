package dev.moco.core.run;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * An engine that runs one {@link PretrainingSpec} as a data-parallel pretraining on W workers
 * of a cluster, found with {@link ServiceLoader} so that a front end (the command line's
 * {@code pretrain --spark}) offers it without depending on it. moco-spark registers
 * {@code spark}; no other module depends on moco-spark, so a single-machine user does not pull a
 * cluster framework in.
 *
 * <p>An engine is called once per run, from the thread that waits for it, and from nowhere else.
 *
 * <pre>{@code
 * DistributedPretraining spark = DistributedPretraining.named("spark");
 * DistributedPretrainingResult result = spark.run("local[2]", 2, 3, spec, System.out);
 * }</pre>
 */
public interface DistributedPretraining {

    /** Restarts after failures when the caller does not choose. */
    int DEFAULT_MAX_RESTARTS = 3;

    /** {@return the engine's name, e.g. {@code spark}} */
    String name();

    /**
     * Runs {@code spec} on {@code workers} workers and waits for the end. Every worker builds
     * its replica from {@code spec}; worker 0 writes the checkpoints. When a worker fails, the
     * engine starts all of them again from the newest checkpoint, at most {@code maxRestarts}
     * times, and says so on {@code log}.
     *
     * @param master where the workers run, in the engine's terms (e.g. {@code local[2]},
     *     {@code spark://host:7077})
     * @param workers W, at least 1
     * @param maxRestarts how many times a failed run is started again, 0 or more
     * @param spec the run every worker builds
     * @param log where the engine's progress lines go
     * @return where the run ended, with the metrics of the epochs the last start trained
     * @throws IllegalArgumentException if the run is refused (a setting, W, the data), with the
     *     workers' message
     * @throws IllegalStateException if it still failed after {@code maxRestarts} restarts
     */
    DistributedPretrainingResult run(String master, int workers, int maxRestarts, PretrainingSpec spec, PrintStream log);

    /**
     * @param name an engine's name, e.g. {@code spark}
     * @return the engine of that name on the class path
     * @throws IllegalStateException naming the engines found if none has that name
     */
    static DistributedPretraining named(String name) {
        List<String> found = new ArrayList<>();
        for (DistributedPretraining engine : ServiceLoader.load(DistributedPretraining.class)) {
            if (engine.name().equals(name)) {
                return engine;
            }
            found.add(engine.name());
        }
        throw new IllegalStateException("no distributed pretraining engine named '" + name + "' on the class path (found: "
                + (found.isEmpty() ? "none" : String.join(", ", found)) + "); the spark engine is the module moco-spark,"
                + " which needs Apache Spark 3.5 beside it");
    }
}
