package dev.moco.core.checkpoint;

/**
 * A checkpoint could not be written, read, or applied to this run. The message says which
 * file, what is wrong with it, and, when reading failed, which other checkpoints are there.
 */
public class CheckpointException extends RuntimeException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
