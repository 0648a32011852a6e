package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.List;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.LongPointer;

/**
 * Global average pooling [N, C, H, W] → [N, C] on oneDNN. The output [N, C, 1, 1] in the
 * blocked layout has exactly the memory of the row-major [N, C] matrix that is this unit's
 * output activation when C is a multiple of the block, so the head reads it with no reorder.
 */
final class GlobalAveragePoolUnit implements FastUnit {

    private final String name;
    private final Activation input;
    private final Activation output;
    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final long[] kernel;
    private final dnnl_primitive_desc forwardPd;
    private final DnnlOp forward;
    private DnnlOp backward;

    GlobalAveragePoolUnit(String name, Activation input, Activation output) {
        this.name = name;
        this.input = input;
        this.output = output;
        this.src = input.md();
        this.dst = Dnnl.md(input.tag(), input.batch(), input.channels(), 1, 1);
        if (Dnnl.bytes(dst) != Dnnl.bytes(output.md())) {
            throw new IllegalArgumentException(name + ": " + input.channels() + " channels are not a multiple of the"
                    + " activation block, so the pooled map is not a plain matrix");
        }
        this.kernel = new long[] {input.height(), input.width()};
        dnnl_pooling_desc_t desc = new dnnl_pooling_desc_t();
        try (LongPointer k = new LongPointer(kernel); LongPointer z = new LongPointer(0, 0)) {
            Dnnl.check(dnnl_pooling_forward_desc_init(desc, dnnl_forward_training, dnnl_pooling_avg_exclude_padding,
                    src, dst, k, k, z, z), "pooling_forward_desc_init " + name);
        }
        forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
        forward = new DnnlOp(forwardPd, name + " forward", new int[] {DNNL_ARG_SRC, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {src, dst});
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Activation> inputs() {
        return List.of(input);
    }

    @Override
    public Activation output() {
        return output;
    }

    @Override
    public boolean backwardReadsInput(int i) {
        return false;
    }

    @Override
    public boolean backwardReadsOutput() {
        return false;
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
            dnnl_pooling_desc_t desc = new dnnl_pooling_desc_t();
            try (LongPointer k = new LongPointer(kernel); LongPointer z = new LongPointer(0, 0)) {
                Dnnl.check(dnnl_pooling_backward_desc_init(desc, dnnl_pooling_avg_exclude_padding, src, dst, k, k, z, z),
                        "pooling_backward_desc_init " + name);
            }
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward");
            backward = new DnnlOp(pd, name + " backward", new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC},
                    new dnnl_memory_desc_t[] {dst, src});
        }
        backward.bind(0, a.outputGradient).bind(1, a.inputGradients[0]).run();
    }

    @Override
    public String implementations() {
        return "forward=" + forward.implementation();
    }

    @Override
    public void close() {
        Resources.close(backward);
        forward.close();
    }
}
