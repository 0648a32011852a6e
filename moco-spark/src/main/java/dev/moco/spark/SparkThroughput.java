package dev.moco.spark;

import dev.moco.bench.benchmark.throughput.DistributedThroughput;
import dev.moco.bench.benchmark.throughput.ThroughputBenchmark;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import ml.dmlc.xgboost4j.java.Communicator;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The {@code spark} engine of {@code bench distributed} ({@link DistributedThroughput}): one
 * Spark context for all the measurements, each a barrier stage of W {@link ThroughputWorker}s
 * on XGBoost4J's ring.
 *
 * <p>Off {@code local}, the executors are given what the workers run: the jars this driver
 * loaded moco-bench, moco-spark and XGBoost4J from ({@code spark.jars}), ahead of Spark's own
 * jars ({@code spark.executor.userClassPathFirst}, as on the driver's class path), the driver's
 * {@code --add-opens} options, which Spark needs on Java 17, and one OpenMP thread per task
 * core ({@code spark.executorEnv.OMP_NUM_THREADS} = {@code spark.task.cpus}), so that W
 * workers on W cores do not oversubscribe them. Each is set only where the user has not.
 */
public final class SparkThroughput implements DistributedThroughput {

    @Override
    public String name() {
        return SparkEngine.NAME;
    }

    @Override
    public Cluster connect(String master, int maxWorkers) {
        SparkConf conf = new SparkConf().setAppName("moco bench distributed").setMaster(master)
                .setIfMissing("spark.ui.enabled", "false");
        if (!master.startsWith("local")) {
            conf.setIfMissing("spark.jars", String.join(",", jarsOf(ThroughputBenchmark.class, SparkThroughput.class,
                    Communicator.class)));
            // before Spark's own jars, as on the driver's class path: moco-bench's Guice needs a newer Guava than Spark's
            conf.setIfMissing("spark.executor.userClassPathFirst", "true");
            String opens = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("--add-opens")).collect(Collectors.joining(" "));
            conf.set("spark.executor.extraJavaOptions", (conf.get("spark.executor.extraJavaOptions", "") + " " + opens).trim());
            conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", conf.get("spark.task.cpus", "1"));
        }
        JavaSparkContext context = new JavaSparkContext(conf);
        context.setLogLevel("WARN");
        SparkPretraining.requireSlots(context, maxWorkers);
        return new SparkCluster(context);
    }

    /** The jar (or classes directory) each class was loaded from, once each. */
    static List<String> jarsOf(Class<?>... classes) {
        Set<String> jars = new LinkedHashSet<>();
        for (Class<?> c : classes) {
            try {
                jars.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("cannot tell which jar " + c.getName() + " was loaded from, which the executors"
                        + " need: set spark.jars (JAVA_OPTS='-Dspark.jars=<jars>')", e);
            }
        }
        return List.copyOf(jars);
    }

    private record SparkCluster(JavaSparkContext context) implements Cluster {

        @Override
        public String master() {
            return context.master();
        }

        @Override
        public long chunkBytes() {
            return (long) RingAllReduce.DEFAULT_CHUNK_ELEMENTS * Float.BYTES;
        }

        @Override
        public List<ThroughputBenchmark.Result> run(int workers, ThroughputBenchmark.Options row) {
            return BarrierStage.run(context, workers, new ThroughputWorker(row));
        }

        @Override
        public void close() {
            context.close();
        }
    }
}
