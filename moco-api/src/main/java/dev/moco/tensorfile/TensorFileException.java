package dev.moco.tensorfile;

/**
 * A tensor file could not be written or read: the message names the file and says what is
 * wrong with it (missing, truncated, damaged, crafted, another format, too large).
 */
public class TensorFileException extends RuntimeException {

    public TensorFileException(String message) {
        super(message);
    }

    public TensorFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
