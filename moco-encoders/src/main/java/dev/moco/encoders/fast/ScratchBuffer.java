package dev.moco.encoders.fast;

import dev.moco.api.kit.StepWorkspace;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One native buffer that a network's units fill just before a primitive runs and empty just
 * after, never holding anything from one unit to the next: units run one at a time, so one
 * buffer serves them all. It grows to the largest request (its contents are lost then) and is
 * freed by {@link #close}.
 */
final class ScratchBuffer implements AutoCloseable {

    private INDArray memory;

    /** {@return the address of this buffer, holding at least {@code bytes} bytes} */
    long address(long bytes) {
        long floats = (bytes + Float.BYTES - 1) / Float.BYTES;
        if (memory == null || memory.length() < floats) {
            close();
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // outlives the step that grew it
                memory = Nd4j.create(DataType.FLOAT, floats);
            }
        }
        return Dnnl.address(memory);
    }

    /** {@return the bytes held now} */
    long bytes() {
        return memory == null ? 0 : memory.length() * Float.BYTES;
    }

    @Override
    public void close() {
        if (memory != null) {
            memory.close();
            memory = null;
        }
    }
}
