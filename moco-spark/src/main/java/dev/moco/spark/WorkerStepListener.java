package dev.moco.spark;

import dev.moco.core.run.StepReport;
import java.io.Serializable;

/**
 * Called on every worker of a {@link SparkPretraining} after every step, with the worker's
 * rank. It is serialised with the run and runs in the executors, not on the driver: what it
 * prints goes to the executor's standard output.
 *
 * <pre>{@code
 * SparkPretraining.on(spark).afterStepOnWorkers((rank, step) -> {
 *     if (rank == 0 && step.position().globalStep() % 100 == 0) {
 *         System.out.println(step.position().globalStep() + " " + step.loss());
 *     }
 * });
 * }</pre>
 */
@FunctionalInterface
public interface WorkerStepListener extends Serializable {

    /**
     * @param rank the worker's rank, 0 … W−1
     * @param step the step it finished
     */
    void afterStep(int rank, StepReport step);
}
