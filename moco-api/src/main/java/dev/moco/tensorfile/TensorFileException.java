package dev.moco.tensorfile;

/**
 * A tensor file could not be written or read: the message names the file and says what is
 * wrong with it (missing, truncated, damaged, crafted, another format, too large).
 */
public class TensorFileException extends RuntimeException {

    /**
     * An exception without an underlying cause.
     *
     * @param message names the file and says what is wrong with it
     */
    public TensorFileException(String message) {
        super(message);
    }

    /**
     * An exception caused by another, typically an {@link java.io.IOException}.
     *
     * @param message names the file and says what is wrong with it
     * @param cause the exception that revealed the problem
     */
    public TensorFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
