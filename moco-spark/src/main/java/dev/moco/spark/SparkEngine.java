package dev.moco.spark;

import dev.moco.core.run.DistributedPretraining;
import dev.moco.core.run.DistributedPretrainingResult;
import dev.moco.core.run.PretrainingSpec;
import java.io.PrintStream;
import java.util.List;

/**
 * The {@code spark} engine of {@link DistributedPretraining}, found through
 * {@code META-INF/services} by {@code ./moco pretrain --spark <master>}: starts a Spark context on
 * the master (Spark's UI off unless {@code spark.ui.enabled} says otherwise) and runs
 * {@link SparkPretraining} on it. Spark itself is not part of moco-spark's jar; without it on
 * the class path the engine says so instead of failing on a missing class.
 */
public final class SparkEngine implements DistributedPretraining {

    /** The engine's name, as {@code --spark} selects it. */
    public static final String NAME = "spark";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DistributedPretrainingResult run(String master, int workers, int maxRestarts, PretrainingSpec spec, PrintStream log) {
        requireSpark();
        return SparkPretraining.runOn(master, workers, maxRestarts, spec, List.of(), log);   // the first class that names Spark's
    }

    private static void requireSpark() {
        try {
            Class.forName("org.apache.spark.SparkContext", false, SparkEngine.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("moco-spark is on the class path but Apache Spark is not: it needs spark-core_2.12"
                    + " 3.5 and its dependencies beside it (./moco pretrain --spark adds the jars moco-spark's build lists in"
                    + " moco-spark/target/spark-classpath.txt; spark-submit brings its own)");
        }
    }
}
