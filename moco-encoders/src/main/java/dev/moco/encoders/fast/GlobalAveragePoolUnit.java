package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.LongPointer;

/**
 * Global average pooling [N, C, H, W] → [N, C] on oneDNN. The output [N, C, 1, 1] in the
 * blocked layout {@code nChw8c}/{@code nChw16c} has exactly the memory of a row-major [N, C]
 * matrix when C is a multiple of the block, so it feeds the (ND4J) head with no reorder.
 */
final class GlobalAveragePoolUnit {

    private final String name;
    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final long[] kernel;
    private final dnnl_primitive_desc forwardPd;
    private final DnnlOp forward;
    private DnnlOp backward;

    GlobalAveragePoolUnit(String name, long batch, int channels, long height, long width, int tag) {
        this.name = name;
        this.src = Dnnl.md(tag, batch, channels, height, width);
        this.dst = Dnnl.md(tag, batch, channels, 1, 1);
        this.kernel = new long[] {height, width};
        dnnl_pooling_desc_t desc = new dnnl_pooling_desc_t();
        try (LongPointer k = new LongPointer(kernel); LongPointer z = new LongPointer(0, 0)) {
            Dnnl.check(dnnl_pooling_forward_desc_init(desc, dnnl_forward_training, dnnl_pooling_avg_exclude_padding,
                    src, dst, k, k, z, z), "pooling_forward_desc_init " + name);
        }
        forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
        forward = new DnnlOp(forwardPd, name + " forward", new int[] {DNNL_ARG_SRC, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {src, dst});
    }

    void forward(long in, long out) {
        forward.bind(0, in).bind(1, out).run();
    }

    void backward(long diffOut, long diffIn) {
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
        backward.bind(0, diffOut).bind(1, diffIn).run();
    }
}
