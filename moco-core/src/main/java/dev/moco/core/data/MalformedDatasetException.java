package dev.moco.core.data;

import java.io.IOException;

/** A data set file exists but its content is not what its format requires. */
public class MalformedDatasetException extends IOException {

    private static final long serialVersionUID = 1L;

    public MalformedDatasetException(String message) {
        super(message);
    }

    public MalformedDatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
