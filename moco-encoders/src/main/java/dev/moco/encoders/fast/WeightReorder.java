package dev.moco.encoders.fast;

import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Weights in the layout a primitive chose ({@code format_tag any}), reordered from the plain
 * PyTorch-layout parameter before each run when the layouts differ; or, for a weight gradient,
 * from the primitive's layout back to the plain one. The reordered copy lives only while its
 * primitive runs, in the network's {@link ScratchBuffer} for weights, shared by every unit.
 */
final class WeightReorder implements AutoCloseable {

    private final DnnlOp reorder;
    private final long bytes;

    /** @param plain the parameter's own layout; @param wanted the primitive's */
    WeightReorder(String name, dnnl_memory_desc_t plain, dnnl_memory_desc_t wanted, boolean toPlain) {
        if (Dnnl.equal(plain, wanted)) {
            reorder = null;
        } else {
            reorder = toPlain ? Dnnl.reorder(wanted, plain, name + " weight-gradient reorder")
                    : Dnnl.reorder(plain, wanted, name + " weight reorder");
        }
        bytes = Dnnl.bytes(wanted);
    }

    /** The address of {@code weight} in the primitive's layout (reordered into {@code scratch} if needed). */
    long prepare(INDArray weight, ScratchBuffer scratch) {
        if (reorder == null) {
            return Dnnl.address(weight);
        }
        long blocked = scratch.address(bytes);
        reorder.bind(0, Dnnl.address(weight)).bind(1, blocked).run();
        return blocked;
    }

    /** Where the primitive should write a gradient destined for {@code gradient}: itself, or {@code scratch}. */
    long target(INDArray gradient, ScratchBuffer scratch) {
        return reorder == null ? Dnnl.address(gradient) : scratch.address(bytes);
    }

    /** Moves a gradient written at {@link #target} into {@code gradient}, when they differ. */
    void finish(INDArray gradient, ScratchBuffer scratch) {
        if (reorder != null) {
            reorder.bind(0, scratch.address(bytes)).bind(1, Dnnl.address(gradient)).run();
        }
    }

    @Override
    public void close() {
        if (reorder != null) {
            reorder.close();
        }
    }
}
