package dev.moco.core.run;

import dev.moco.api.Encoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a {@link Pretraining} run returns.
 *
 * @param queryEncoder the trained query encoder f_q (the one given to the run, trained in place)
 * @param epochs one report per epoch this run trained, oldest first, with the metrics listeners added
 * @param end where the run ended
 * @param lastCheckpoint the newest checkpoint written, if the run wrote checkpoints
 */
public record PretrainingResult(Encoder queryEncoder, List<EpochReport> epochs, TrainingPosition end,
        Optional<Path> lastCheckpoint) {

    /**
     * @param queryEncoder the trained query encoder
     * @param epochs the epoch reports, copied
     * @param end where the run ended
     * @param lastCheckpoint the newest checkpoint, or empty
     */
    public PretrainingResult {
        epochs = List.copyOf(epochs);
    }

    /** {@return the mean loss of the last epoch trained, or NaN if none was} */
    public double finalLoss() {
        return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).meanLoss();
    }
}
