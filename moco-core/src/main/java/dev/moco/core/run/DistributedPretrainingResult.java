package dev.moco.core.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link DistributedPretraining} run returns to its driver. The trained encoder stays
 * with the workers; it is the last checkpoint's ({@link PretrainedEncoder#load(Path)}).
 *
 * @param workers W
 * @param end where the run ended
 * @param epochs one report per epoch the last start of the run trained (after a restart, from
 *     the checkpoint it resumed), as worker 0 saw them
 * @param stepLosses the loss of every step the last start trained, in order: the mean over all
 *     W·n queries of the step, as one process would report it
 * @param lastCheckpoint the newest checkpoint, if the run wrote checkpoints
 * @param restarts how many times the run was started again after a failure
 */
public record DistributedPretrainingResult(int workers, TrainingPosition end, List<EpochReport> epochs, List<Double> stepLosses,
        Optional<Path> lastCheckpoint, int restarts) {

    /**
     * @param workers W
     * @param end where the run ended
     * @param epochs the epoch reports, copied
     * @param stepLosses the step losses, copied
     * @param lastCheckpoint the newest checkpoint, or empty
     * @param restarts restarts after failures
     */
    public DistributedPretrainingResult {
        epochs = List.copyOf(epochs);
        stepLosses = List.copyOf(stepLosses);
    }

    /** {@return the mean loss of the last epoch trained, or NaN if none was} */
    public double finalLoss() {
        return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).meanLoss();
    }
}
