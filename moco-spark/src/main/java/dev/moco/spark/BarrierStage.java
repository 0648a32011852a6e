package dev.moco.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs W workers as one Spark barrier stage, the shape XGBoost4J-Spark gives its training:
 * Spark starts the W tasks together and fails them together; a {@link CollectiveTracker} on the
 * driver introduces them to each other; the collective, not Spark, carries the data. The task of
 * partition r is worker r.
 *
 * <pre>{@code
 * List<Report> reports = BarrierStage.run(sparkContext, 2, (rank, trackerArgs, rendezvous) -> {
 *     rendezvous.run();                                  // every task has started
 *     try (RingAllReduce ring = RingAllReduce.join(trackerArgs, rank)) {
 *         ...
 *     }
 * });
 * }</pre>
 */
public final class BarrierStage {

    private BarrierStage() {
    }

    /**
     * What one barrier task does.
     *
     * @param <R> what it returns to the driver
     */
    @FunctionalInterface
    public interface Worker<R> extends Serializable {

        /**
         * @param rank this worker's rank, its task's partition
         * @param trackerArgs what {@link RingAllReduce#join} needs
         * @param rendezvous Spark's {@code BarrierTaskContext.barrier()}: returns once every task
         *     of the stage has called it (about a second; call it once, never per step)
         * @return this worker's result, serialisable
         */
        R run(int rank, Map<String, Object> trackerArgs, Runnable rendezvous);
    }

    /**
     * Runs {@code worker} on {@code workers} barrier tasks, with a tracker of its own, and
     * returns their results by rank.
     *
     * @param context a Spark context with at least {@code workers} task slots (barrier mode
     *     refuses to start otherwise)
     * @param workers W
     * @param worker what each task does
     * @throws org.apache.spark.SparkException (undeclared, from Scala) if a task failed: Spark
     *     aborts a failed barrier result stage, it does not retry it
     */
    public static <R> List<R> run(JavaSparkContext context, int workers, Worker<R> worker) {
        try (CollectiveTracker tracker = CollectiveTracker.start(trackerHost(context), workers)) {
            List<Integer> ranks = IntStream.range(0, workers).boxed().toList();
            @SuppressWarnings("unchecked")
            ClassTag<R> anyRef = (ClassTag<R>) (ClassTag<?>) ClassTag$.MODULE$.AnyRef();
            RDD<R> stage = context.parallelize(ranks, workers).rdd().barrier()
                    .mapPartitions(new Task<>(tracker.workerArgs(), worker), false, anyRef);
            return new ArrayList<>(stage.toJavaRDD().collect());   // in partition order: by rank
        }
    }

    /** Where the workers reach the driver's tracker: loopback on {@code local}, else {@code spark.driver.host}. */
    static String trackerHost(JavaSparkContext context) {
        return context.master().startsWith("local") ? "127.0.0.1" : context.getConf().get("spark.driver.host");
    }

    /** One barrier task: its partition is its rank. */
    private static final class Task<R> extends AbstractFunction1<Iterator<Integer>, Iterator<R>> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Map<String, Object> trackerArgs;
        private final Worker<R> worker;

        Task(Map<String, Object> trackerArgs, Worker<R> worker) {
            this.trackerArgs = trackerArgs;
            this.worker = worker;
        }

        @Override
        public Iterator<R> apply(Iterator<Integer> partition) {
            BarrierTaskContext task = BarrierTaskContext.get();
            R result = worker.run(task.partitionId(), trackerArgs, task::barrier);
            return scala.collection.Iterator$.MODULE$.single(result);
        }
    }
}
