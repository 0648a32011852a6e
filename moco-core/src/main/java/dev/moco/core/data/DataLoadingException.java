package dev.moco.core.data;

/** Preparing a batch failed on a worker thread; the cause is the worker's exception. */
public class DataLoadingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DataLoadingException(String message, Throwable cause) {
        super(message, cause);
    }
}
