package dev.moco.bench.pretrain;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.NonFiniteTensorException;
import dev.moco.core.checkpoint.TrainingPosition;
import dev.moco.core.hooks.AfterEpochListener;
import dev.moco.core.hooks.AfterStepListener;
import dev.moco.core.hooks.EpochReport;
import dev.moco.core.hooks.StepReport;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Writes checkpoints into a {@link CheckpointDirectory}: after every epoch
 * ({@code checkpoint-epoch-NNN.zip} and {@code latest.zip}) and, if asked, every N global
 * steps within an epoch ({@code latest.zip} only). Only finite checkpoints are written.
 */
public final class PeriodicCheckpoints implements AfterStepListener, AfterEpochListener {

    private final CheckpointDirectory directory;
    private final Function<TrainingPosition, Checkpoint> snapshot;
    private final long stepsPerEpoch;
    private final long everySteps;
    private Path last;

    /**
     * @param snapshot takes the checkpoint of the run at a position
     * @param everySteps also checkpoint every this many global steps; 0 for epoch ends only
     */
    public PeriodicCheckpoints(CheckpointDirectory directory, Function<TrainingPosition, Checkpoint> snapshot,
            long stepsPerEpoch, long everySteps) {
        if (everySteps < 0) {
            throw new IllegalArgumentException("checkpoint interval must be >= 0 steps, got " + everySteps);
        }
        this.directory = directory;
        this.snapshot = snapshot;
        this.stepsPerEpoch = stepsPerEpoch;
        this.everySteps = everySteps;
    }

    /**
     * @throws NonFiniteStateException if a tensor of the checkpoint due is not finite; it is
     *     not written, and the last one written stays the newest
     */
    @Override
    public void afterStep(StepReport step) {
        if (everySteps > 0 && step.globalStep() % everySteps == 0 && step.stepInEpoch() < step.stepsPerEpoch()) {
            TrainingPosition position = new TrainingPosition(step.epoch() - 1, step.stepInEpoch(), step.globalStep(),
                    step.stepsPerEpoch());
            try {
                last = directory.saveLatest(snapshot.apply(position));
            } catch (NonFiniteTensorException e) {
                throw new NonFiniteStateException(position, e);
            }
        }
    }

    /** @throws NonFiniteStateException as {@link #afterStep} */
    @Override
    public void afterEpoch(EpochReport epoch) {
        TrainingPosition position = new TrainingPosition(epoch.epoch(), 0, epoch.globalStep(), stepsPerEpoch);
        try {
            last = directory.saveEpoch(epoch.epoch(), snapshot.apply(position));
        } catch (NonFiniteTensorException e) {
            throw new NonFiniteStateException(position, e);
        }
    }

    /** The newest checkpoint written by this process, or null. */
    public Path lastWritten() {
        return last;
    }
}
