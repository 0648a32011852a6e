package dev.moco.spark;

/**
 * A worker's failure that a restart would repeat: the run does not fit its settings, data or
 * checkpoint, or a memory bound of the executor is too small. {@link SparkPretraining} does
 * not restart after it; it reports the worker's message. Thrown in the executor, it reaches the
 * driver as text in Spark's failure message, by its class name.
 */
public final class RunRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what the worker refused, and why */
    public RunRefusedException(String message) {
        super(message);
    }
}
