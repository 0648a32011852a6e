package dev.moco.core;

/**
 * Thrown when a step's loss or the query encoder's gradient is NaN or infinite, before the
 * optimizer step and the dictionary update: the query encoder's parameters, the optimizer
 * state and the dictionary's stored keys are as they were after the previous step. The step
 * had already changed the rest: the forward passes updated the BN running statistics of
 * both encoders, and the queue's key encoder was momentum-updated in
 * {@link dev.moco.api.Dictionary#contrast}. So continue from the last checkpoint (every
 * checkpoint written is finite), not from the objects in memory. (The gradient is checked
 * too because a ReLU can turn NaN activations into zeros, leaving the loss finite while the
 * gradient is not.)
 */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;

    public NonFiniteLossException(long step, double loss) {
        this(step, "loss is " + loss);
    }

    /** @param what what became non-finite, e.g. "the query encoder's gradient is NaN" */
    public NonFiniteLossException(long step, String what) {
        super(what + " at step " + step
                + "; its update was not applied (check the input data; try a lower learning rate or a higher temperature)");
        this.step = step;
    }

    public long step() {
        return step;
    }
}
