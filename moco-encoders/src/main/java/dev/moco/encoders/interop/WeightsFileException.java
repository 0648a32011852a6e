package dev.moco.encoders.interop;

/**
 * A weights file from outside (a PyTorch checkpoint, a safetensors file) that is refused:
 * damaged, crafted, or holding something a state dict does not hold. The message is one line
 * naming the file, the entry and the problem.
 */
public class WeightsFileException extends IllegalArgumentException {

    public WeightsFileException(String message) {
        super(message);
    }

    public WeightsFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
