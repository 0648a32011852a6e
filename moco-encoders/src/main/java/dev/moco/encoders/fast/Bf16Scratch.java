package dev.moco.encoders.fast;

import dev.moco.encoders.Precision;

/**
 * The bf16 copies a network's convolutions read and write in {@link Precision#BF16}: the f32
 * activation or gradient a primitive takes, converted just before it runs, and what it gives,
 * converted to f32 just after. Units run one at a time, so
 * one {@link ScratchBuffer} per slot serves the whole network.
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

    private final ScratchBuffer[] buffers = {new ScratchBuffer(), new ScratchBuffer(), new ScratchBuffer(),
        new ScratchBuffer(), new ScratchBuffer()};

    /** {@return the address of slot {@code slot}, holding at least {@code bytes} bytes} */
    long address(int slot, long bytes) {
        return buffers[slot].address(bytes);
    }

    @Override
    public void close() {
        for (ScratchBuffer b : buffers) {
            b.close();
        }
    }
}
