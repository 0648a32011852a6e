package dev.moco.spark;

import dev.moco.core.run.EpochReport;
import dev.moco.core.run.TrainingPosition;
import java.io.Serializable;
import java.util.List;

/**
 * What one worker of a {@link SparkPretraining} sends its driver when its run ends.
 *
 * @param rank the worker's rank
 * @param start where its run started (the beginning, or the checkpoint resumed)
 * @param end where it ended
 * @param epochs the epochs it trained
 * @param stepLosses the loss of each step it trained, as its step reported it
 * @param lastCheckpoint the newest checkpoint it wrote (worker 0 writes them), or null
 */
record WorkerReport(int rank, TrainingPosition start, TrainingPosition end, List<EpochReport> epochs, double[] stepLosses,
        String lastCheckpoint) implements Serializable {
}
