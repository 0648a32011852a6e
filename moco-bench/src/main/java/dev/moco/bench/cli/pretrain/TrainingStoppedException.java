package dev.moco.bench.cli.pretrain;

/**
 * Training stopped before its last epoch for a reason in the run itself (a NaN or infinite
 * loss), not a bug or bad input; the command exits with {@link #EXIT_CODE}. The message
 * names the step and the last good checkpoint.
 */
public final class TrainingStoppedException extends RuntimeException {

    /** Exit status of a run stopped this way. */
    public static final int EXIT_CODE = 3;

    public TrainingStoppedException(String message, Throwable cause) {
        super(message, cause);
    }
}
