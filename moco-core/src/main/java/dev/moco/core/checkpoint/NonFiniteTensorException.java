package dev.moco.core.checkpoint;

/**
 * A checkpoint was not written because one of its tensors holds NaN or infinite values: a
 * checkpoint is only written, and only called good, when every tensor in it is finite.
 */
public final class NonFiniteTensorException extends CheckpointException {

    private final String tensor;
    private final long count;

    public NonFiniteTensorException(String tensor, long count, long length) {
        super("tensor '" + tensor + "' holds " + count + " NaN or infinite value" + (count == 1 ? "" : "s")
                + " of " + length);
        this.tensor = tensor;
        this.count = count;
    }

    /** The first non-finite tensor, as {@code component/name}. */
    public String tensor() {
        return tensor;
    }

    /** How many of its values are NaN or infinite. */
    public long count() {
        return count;
    }
}
