package dev.moco.core.run.internal;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.NonFiniteTensorException;
import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.AfterStepListener;
import dev.moco.core.run.EpochReport;
import dev.moco.core.run.NonFiniteStateException;
import dev.moco.core.run.StepReport;
import dev.moco.core.run.TrainingPosition;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Writes checkpoints into a {@link CheckpointDirectory}: after every epoch
 * ({@code checkpoint-epoch-NNN.zip} and {@code latest.zip}) and, if asked, every N global
 * steps within an epoch ({@code latest.zip} only), each at the position the report gives.
 * Only finite checkpoints are written.
 */
public final class PeriodicCheckpoints implements AfterStepListener, AfterEpochListener {

    private final CheckpointDirectory directory;
    private final Function<TrainingPosition, Checkpoint> snapshot;
    private final long everySteps;
    private Path last;

    /**
     * @param directory where the checkpoints go
     * @param snapshot takes the checkpoint of the run at a position
     * @param everySteps also checkpoint every this many global steps; 0 for epoch ends only
     */
    public PeriodicCheckpoints(CheckpointDirectory directory, Function<TrainingPosition, Checkpoint> snapshot,
            long everySteps) {
        if (everySteps < 0) {
            throw new IllegalArgumentException("checkpoint interval must be >= 0 steps, got " + everySteps);
        }
        this.directory = directory;
        this.snapshot = snapshot;
        this.everySteps = everySteps;
    }

    /**
     * @throws NonFiniteStateException if a tensor of the checkpoint due is not finite; it is
     *     not written, and the last one written stays the newest
     */
    @Override
    public void afterStep(StepReport step) {
        if (everySteps > 0 && step.position().globalStep() % everySteps == 0 && !step.endsEpoch()) {
            try {
                last = directory.saveLatest(snapshot.apply(step.position()));
            } catch (NonFiniteTensorException e) {
                throw new NonFiniteStateException(step.position(), e);
            }
        }
    }

    /** @throws NonFiniteStateException as {@link #afterStep} */
    @Override
    public void afterEpoch(EpochReport epoch) {
        try {
            last = directory.saveEpoch(epoch.epoch(), snapshot.apply(epoch.position()));
        } catch (NonFiniteTensorException e) {
            throw new NonFiniteStateException(epoch.position(), e);
        }
    }

    /** {@return the newest checkpoint written by this process, or null} */
    public Path lastWritten() {
        return last;
    }
}
