package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/** The reason a restart prints is the failed task's own line from Spark's message, not Spark's preamble. */
class SparkPretrainingReasonTest {

    private static final String ABORTED = "Job aborted due to stage failure: Could not recover from a failed barrier"
            + " ResultStage. Most recent failure reason: Stage failed because barrier task ResultTask(0, 0) finished"
            + " unsuccessfully.\n";

    @Test
    void aTaskThatThrewGivesItsException() {
        SparkException failure = new SparkException(ABORTED + "java.lang.IllegalStateException: all-reduce failed on worker 1"
                + " of 2\n\tat dev.moco.spark.RingAllReduce.sumInPlace(RingAllReduce.java:1)\n\nDriver stacktrace:");
        assertThat(SparkPretraining.reason(failure)).isEqualTo("java.lang.IllegalStateException: all-reduce failed on worker 1 of 2");
    }

    @Test
    void aTaskWhoseExecutorDiedGivesTheLostExecutor() {
        SparkException failure = new SparkException(ABORTED + "ExecutorLostFailure (executor 0 exited caused by one of the"
                + " running tasks) Reason: Command exited with code 137\nDriver stacktrace:");
        assertThat(SparkPretraining.reason(failure)).isEqualTo("ExecutorLostFailure (executor 0 exited caused by one of the"
                + " running tasks) Reason: Command exited with code 137");
    }

    @Test
    void aMessageWithoutEitherGivesItsFirstLine() {
        assertThat(SparkPretraining.reason(new SparkException(ABORTED + "something else"))).isEqualTo(ABORTED.strip());
    }
}
