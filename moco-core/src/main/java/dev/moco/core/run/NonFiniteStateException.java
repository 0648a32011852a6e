package dev.moco.core.run;

import dev.moco.core.checkpoint.NonFiniteTensorException;

/**
 * The run's state became NaN or infinite although the loss and gradient were still finite
 * (weights or BN running statistics that overflowed), found when a checkpoint was due; that
 * checkpoint was not written.
 */
public final class NonFiniteStateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Where the run was when the checkpoint was due. */
    private final transient TrainingPosition position;

    /**
     * @param position where the run was when the checkpoint was due
     * @param cause the tensor found not finite
     */
    public NonFiniteStateException(TrainingPosition position, NonFiniteTensorException cause) {
        super(cause.getMessage(), cause);
        this.position = position;
    }

    /** {@return where the run was when the checkpoint was due} */
    public TrainingPosition position() {
        return position;
    }
}
