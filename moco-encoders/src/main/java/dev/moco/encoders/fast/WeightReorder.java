package dev.moco.encoders.fast;

import dev.moco.api.kit.StepWorkspace;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weights in the layout a primitive chose ({@code format_tag any}), reordered from the plain
 * PyTorch-layout parameter before each run when the layouts differ; or, for a weight gradient,
 * from the primitive's layout back to the plain one.
 */
final class WeightReorder implements AutoCloseable {

    private final DnnlOp reorder;
    private final INDArray blocked;

    /** @param plain the parameter's own layout; @param wanted the primitive's */
    WeightReorder(String name, dnnl_memory_desc_t plain, dnnl_memory_desc_t wanted, boolean toPlain) {
        if (Dnnl.equal(plain, wanted)) {
            reorder = null;
            blocked = null;
        } else {
            reorder = toPlain ? Dnnl.reorder(wanted, plain, name + " weight-gradient reorder")
                    : Dnnl.reorder(plain, wanted, name + " weight reorder");
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // may be created by a step, kept
                blocked = Nd4j.create(DataType.FLOAT, Dnnl.floats(wanted));
            }
        }
    }

    /** The address of {@code weight} in the primitive's layout (reordering it if needed). */
    long prepare(INDArray weight) {
        if (reorder == null) {
            return Dnnl.address(weight);
        }
        reorder.bind(0, Dnnl.address(weight)).bind(1, Dnnl.address(blocked)).run();
        return Dnnl.address(blocked);
    }

    /** Where the primitive should write a gradient destined for {@code gradient}. */
    long target(INDArray gradient) {
        return reorder == null ? Dnnl.address(gradient) : Dnnl.address(blocked);
    }

    /** Moves a gradient written at {@link #target} into {@code gradient}, when they differ. */
    void finish(INDArray gradient) {
        if (reorder != null) {
            reorder.bind(0, Dnnl.address(blocked)).bind(1, Dnnl.address(gradient)).run();
        }
    }

    @Override
    public void close() {
        if (reorder != null) {
            reorder.close();
            blocked.close();
        }
    }
}
