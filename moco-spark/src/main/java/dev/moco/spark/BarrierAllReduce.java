package dev.moco.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs {@link AllReduceWorker} on W workers as one Spark barrier stage, the shape the
 * distributed trainer will take: Spark starts the W tasks together (and would fail them
 * together); a {@link CollectiveTracker} on the driver introduces them; the collective, not
 * Spark, carries the data.
 *
 * <pre>{@code
 * List<AllReduceWorker.Report> reports = BarrierAllReduce.run(sparkContext, 2, plan);
 * }</pre>
 */
public final class BarrierAllReduce {

    private BarrierAllReduce() {
    }

    /**
     * Runs {@code plan} on {@code workers} barrier tasks and returns their reports by rank.
     *
     * @param context a Spark context with at least {@code workers} task slots (barrier mode
     *     refuses to start otherwise)
     * @param workers W
     * @param plan what each worker all-reduces
     */
    public static List<AllReduceWorker.Report> run(JavaSparkContext context, int workers, AllReduceWorker.Plan plan) {
        String host = context.master().startsWith("local") ? "127.0.0.1" : context.getConf().get("spark.driver.host");
        try (CollectiveTracker tracker = CollectiveTracker.start(host, workers)) {
            List<Integer> ranks = IntStream.range(0, workers).boxed().toList();
            RDD<AllReduceWorker.Report> stage = context.parallelize(ranks, workers).rdd().barrier()
                    .mapPartitions(new Task(tracker.workerArgs(), plan), false, ClassTag$.MODULE$.apply(AllReduceWorker.Report.class));
            List<AllReduceWorker.Report> reports = new ArrayList<>(stage.toJavaRDD().collect());
            reports.sort(Comparator.comparingInt(AllReduceWorker.Report::rank));
            return reports;
        }
    }

    /** One barrier task: its partition is its rank. */
    private static final class Task extends AbstractFunction1<Iterator<Integer>, Iterator<AllReduceWorker.Report>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Map<String, Object> trackerArgs;
        private final AllReduceWorker.Plan plan;

        Task(Map<String, Object> trackerArgs, AllReduceWorker.Plan plan) {
            this.trackerArgs = trackerArgs;
            this.plan = plan;
        }

        @Override
        public Iterator<AllReduceWorker.Report> apply(Iterator<Integer> partition) {
            BarrierTaskContext task = BarrierTaskContext.get();
            AllReduceWorker.Report report = AllReduceWorker.run(task.partitionId(), trackerArgs, plan, task::barrier);
            return scala.collection.Iterator$.MODULE$.single(report);
        }
    }
}
