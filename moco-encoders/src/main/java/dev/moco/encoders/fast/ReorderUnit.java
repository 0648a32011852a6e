package dev.moco.encoders.fast;

import java.util.List;

/**
 * A change of memory layout of one logical tensor (e.g. plain {@code nchw} to the blocked
 * {@code nChw16c}); the backward is the reverse reorder of the gradient. Where a network
 * meets plain NCHW tensors outside the stem.
 */
final class ReorderUnit extends AbstractUnit {

    private final DnnlOp forward;
    private DnnlOp backward;

    ReorderUnit(String name, Activation input, Activation output) {
        super(name, List.of(input), output);
        this.forward = own(Dnnl.reorder(input.md(), output.md(), name));
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        forward.bind(0, a.inputs[0]).bind(1, a.output).run();
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        if (a.inputGradients[0] == 0) {
            return;
        }
        if (backward == null) {
            backward = own(Dnnl.reorder(output().md(), input().md(), name() + " backward"));
        }
        backward.bind(0, a.outputGradient).bind(1, a.inputGradients[0]).run();
    }

    @Override
    public String implementations() {
        return "reorder=" + forward.implementation();
    }
}
