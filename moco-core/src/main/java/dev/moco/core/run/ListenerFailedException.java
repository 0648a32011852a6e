package dev.moco.core.run;


/**
 * A listener threw: the run stopped after the step or epoch it was told about, and the
 * listeners after it were not called. Checkpoints written before it are kept.
 */
public final class ListenerFailedException extends RuntimeException {
    /** The listener that threw, as {@link #describe(Object)} names it. */
    private final String listener;
    /** Where the run stood. */
    private final transient TrainingPosition position;

    /**
     * @param listener which listener, as {@link #describe(Object)} names it
     * @param when what it was told about, e.g. "after step 17" or "after epoch 2"
     * @param position where the run stood
     * @param cause what it threw
     */
    public ListenerFailedException(String listener, String when, TrainingPosition position, RuntimeException cause) {
        super("the " + listener + " failed " + when + " (global step " + position.globalStep() + "): "
                + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
        this.listener = listener;
        this.position = position;
    }

    /**
     * The same failure, its message saying which checkpoint is the last one written.
     *
     * @param failure what the loop reported
     * @param lastCheckpoint the newest checkpoint, kept
     */
    public ListenerFailedException(ListenerFailedException failure, java.nio.file.Path lastCheckpoint) {
        super(failure.getMessage() + "; the last checkpoint, " + lastCheckpoint + ", is kept", failure.getCause());
        this.listener = failure.listener;
        this.position = failure.position;
    }

    /** {@return the listener that threw, e.g. "after-epoch listener 2 (com.example.MyListener)"} */
    public String listener() {
        return listener;
    }

    /** {@return where the run stood when it threw} */
    public TrainingPosition position() {
        return position;
    }

    /**
     * How a listener is named in the message: its class, or for a lambda the class it was
     * written in.
     *
     * @param listener the listener
     * @return its name
     */
    public static String describe(Object listener) {
        String name = listener.getClass().getName();
        int lambda = name.indexOf("$$Lambda");
        return lambda < 0 ? name : "lambda in " + name.substring(0, lambda);
    }
}
