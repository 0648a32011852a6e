package dev.moco.spark;

import dev.moco.core.checkpoint.CheckpointException;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.EpochLog;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.PretrainingResult;
import dev.moco.core.run.PretrainingSpec;
import dev.moco.core.wiring.MemoryBounds;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;

/**
 * One worker of a {@link SparkPretraining}, the body of its barrier task: joins the ring,
 * builds its replica of the run from the spec with the ring as its collective, trains to the
 * end, and leaves, all on the task's thread (XGBoost's collective is per thread). Worker 0
 * prints a line per epoch to its standard output.
 */
final class PretrainingWorker implements BarrierStage.Worker<WorkerReport> {

    private static final long serialVersionUID = 1L;

    private final PretrainingSpec spec;
    private final List<WorkerStepListener> listeners;

    PretrainingWorker(PretrainingSpec spec, List<WorkerStepListener> listeners) {
        this.spec = spec;
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public WorkerReport run(int rank, Map<String, Object> trackerArgs, Runnable rendezvous) {
        rendezvous.run();
        try (RingAllReduce ring = RingAllReduce.join(trackerArgs, rank)) {
            return train(ring);
        } catch (OutOfMemoryError e) {
            // Spark ends an executor on an OutOfMemoryError; this one is the run's, freed with it
            boolean local = SparkEnv.get().conf().get("spark.master", "").startsWith("local");
            throw new RunRefusedException("worker " + rank + ": " + MemoryBounds.explain(e, option -> raise(option, local))
                    .orElseThrow());
        }
    }

    private WorkerReport train(RingAllReduce ring) {
        int rank = ring.rank();
        Pretraining run;
        try {
            run = spec.builder().collective(ring).build();
        } catch (IllegalArgumentException | UncheckedIOException | CheckpointException e) {
            throw new RunRefusedException("worker " + rank + " refused the run: " + e.getMessage());
        }
        try (run) {
            double[] losses = new double[(int) Math.min(Integer.MAX_VALUE - 8, totalSteps(run))];
            run.afterStep(step -> losses[(int) (step.position().globalStep() - run.start().globalStep() - 1)] = step.loss());
            for (WorkerStepListener listener : listeners) {
                run.afterStep(step -> listener.afterStep(rank, step));
            }
            spec.attachCheckpoints(run);
            if (rank == 0) {
                run.afterEpoch(new EpochLog(run.config().getInt(MocoConfig.EPOCHS), System.out));
            }
            PretrainingResult result = run.run();
            int trained = (int) (result.end().globalStep() - run.start().globalStep());
            return new WorkerReport(rank, run.start(), result.end(), result.epochs(), java.util.Arrays.copyOf(losses, trained),
                    result.lastCheckpoint().map(Path::toString).orElse(null));
        }
    }

    /** The steps from the run's start to the end of its last epoch. */
    private static long totalSteps(Pretraining run) {
        return Math.max(0, run.config().getInt(MocoConfig.EPOCHS) * run.stepsPerEpoch() - run.start().globalStep());
    }

    /**
     * How the user of Spark gives a worker's JVM a larger memory bound: the driver's JVM on
     * {@code local[W]}, else every executor's.
     */
    static String raise(String option, boolean local) {
        if (local) {
            return "on local[W] the workers are threads of the driver's JVM: raise it there (JAVA_OPTS for ./moco,"
                    + " --driver-java-options for spark-submit), e.g.\n  JAVA_OPTS='" + MemoryBounds.example(option) + "',";
        }
        if (option.equals(MemoryBounds.HEAP)) {
            return "raise it with spark.executor.memory (Spark sets -Xmx from it), e.g.\n  --conf spark.executor.memory=8g,";
        }
        return "raise it on every executor through spark.executor.extraJavaOptions, e.g.\n  --conf spark.executor.extraJavaOptions='"
                + MemoryBounds.example(option) + "',\n  with spark.executor.memoryOverhead above the native memory it allows,";
    }
}
