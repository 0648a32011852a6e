package dev.moco.core;

/**
 * Thrown when a step's loss is NaN or infinite, before the step's backward pass, optimizer
 * step and dictionary update: the query encoder, the optimizer state and the dictionary's
 * contents are as they were after the previous step, so the last checkpoint is good.
 */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;

    public NonFiniteLossException(long step, double loss) {
        super("loss is " + loss + " at step " + step
                + "; its update was not applied (try a lower learning rate or a higher temperature)");
        this.step = step;
    }

    public long step() {
        return step;
    }
}
