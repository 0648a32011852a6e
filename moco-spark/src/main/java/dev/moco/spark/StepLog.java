package dev.moco.spark;

import dev.moco.core.run.StepReport;
import java.util.Locale;

/**
 * Worker 0 prints a line every {@code every} global steps to its standard output (its
 * executor's {@code stdout} on a cluster), beside the line per epoch:
 *
 * <pre>
 * step 12/32: loss 3.2061, 154 ms
 * </pre>
 *
 * <p>So the steps a worker finished are visible while an epoch runs, e.g. how far a run got
 * before an executor died.
 *
 * @param every print after every this many global steps, at least 1
 * @param epochs the run's epochs: the last global step, printed as the denominator, is epochs × steps per epoch
 */
record StepLog(long every, int epochs) implements WorkerStepListener {

    private static final long serialVersionUID = 1L;

    StepLog {
        if (every < 1) {
            throw new IllegalArgumentException("a line every N steps needs N of 1 or more, got " + every);
        }
    }

    @Override
    public void afterStep(int rank, StepReport step) {
        long global = step.position().globalStep();
        if (rank == 0 && global % every == 0) {
            System.out.printf(Locale.ROOT, "step %d/%d: loss %.4f, %.0f ms%n", global,
                    epochs * step.position().stepsPerEpoch(), step.loss(), step.stepNanos() / 1e6);
            System.out.flush();
        }
    }
}
