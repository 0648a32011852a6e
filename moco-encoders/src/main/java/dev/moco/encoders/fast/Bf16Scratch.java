package dev.moco.encoders.fast;

import dev.moco.api.kit.StepWorkspace;
import dev.moco.encoders.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The bf16 copies a network's convolutions read and write in {@link Precision#BF16}: the f32
 * activation or gradient a primitive takes, converted just before it runs, and what it gives,
 * converted to f32 just after. Units run one at a time, so
 * one buffer per slot serves the whole network; each grows to the largest request and is
 * never freed before {@link #close}.
 */
final class Bf16Scratch implements AutoCloseable {

    /** The slot of a convolution's input (forward and weight gradient). */
    static final int SOURCE = 0;
    /** The slot of a convolution's output gradient. */
    static final int OUTPUT_GRADIENT = 1;
    /** A second slot of the output gradient, for a primitive that wants it in another layout. */
    static final int OUTPUT_GRADIENT_OTHER_LAYOUT = 2;
    /** The slot a convolution writes its output into. */
    static final int OUTPUT = 3;
    /** The slot a convolution writes its input gradient into. */
    static final int INPUT_GRADIENT = 4;

    private final INDArray[] buffers = new INDArray[5];

    /** {@return the address of slot {@code slot}, holding at least {@code bytes} bytes} */
    long address(int slot, long bytes) {
        INDArray b = buffers[slot];
        long floats = (bytes + Float.BYTES - 1) / Float.BYTES;
        if (b == null || b.length() < floats) {
            if (b != null) {
                b.close();
            }
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // outlives the step that grew it
                b = Nd4j.create(DataType.FLOAT, floats);
            }
            buffers[slot] = b;
        }
        return Dnnl.address(b);
    }

    @Override
    public void close() {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                buffers[i].close();
                buffers[i] = null;
            }
        }
    }
}
