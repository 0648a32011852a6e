package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * Where a residual block's two branches meet, y = relu(F(x) + S(x)) (He et al. 2016), on
 * oneDNN over blocked activations: forward is one binary add with a fused ReLU post-op;
 * backward is the ReLU derivative computed from y, and {@link #accumulate} adds the shortcut's
 * input gradient into the residual branch's, in place.
 */
final class ResidualJoin {

    private final String name;
    private final dnnl_memory_desc_t data;
    private final dnnl_memory_desc_t inputData;
    private final DnnlOp addRelu;
    private final dnnl_primitive_desc reluForwardPd;
    private DnnlOp reluBackward;
    private DnnlOp add;

    /** Output [batch, channels, height, width]; block input [batch, inChannels, inHeight, inWidth]. */
    ResidualJoin(String name, long batch, int channels, long height, long width, int inChannels, long inHeight,
                 long inWidth, int tag) {
        this.name = name;
        this.data = Dnnl.md(tag, batch, channels, height, width);
        this.inputData = Dnnl.md(tag, batch, inChannels, inHeight, inWidth);
        dnnl_binary_desc_t desc = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(desc, dnnl_binary_add, data, data, data), "binary_desc_init " + name);
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, Dnnl.reluPostOp(), null, name + " add+relu");
        addRelu = new DnnlOp(pd, name + " add+relu", new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {data, data, data});
        dnnl_eltwise_desc_t relu = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(relu, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd,
                data, 0f, 0f), "eltwise_forward_desc_init " + name);
        reluForwardPd = Dnnl.primitiveDesc(relu, null, null, name + " relu (hint)");
    }

    /** out = relu(residual + shortcut). */
    void forward(long residual, long shortcut, long out) {
        addRelu.bind(0, residual).bind(1, shortcut).bind(2, out).run();
    }

    /** diffSum = diffOut · [out &gt; 0]: the gradient at the sum, sent to both branches. */
    void backward(long out, long diffOut, long diffSum) {
        if (reluBackward == null) {
            dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
            Dnnl.check(dnnl_eltwise_backward_desc_init(desc, dnnl_eltwise_relu_use_dst_for_bwd, data, data, 0f, 0f),
                    "eltwise_backward_desc_init " + name);
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, reluForwardPd, name + " relu backward");
            reluBackward = new DnnlOp(pd, name + " relu backward",
                    new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC},
                    new dnnl_memory_desc_t[] {data, data, data});
        }
        reluBackward.bind(0, out).bind(1, diffOut).bind(2, diffSum).run();
    }

    /** target += addend at the block input's shape (the two branches' input gradients). */
    void accumulate(long target, long addend) {
        if (add == null) {
            dnnl_binary_desc_t desc = new dnnl_binary_desc_t();
            Dnnl.check(dnnl_binary_desc_init(desc, dnnl_binary_add, inputData, inputData, inputData),
                    "binary_desc_init " + name);
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, null, name + " gradient add");
            add = new DnnlOp(pd, name + " gradient add", new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST},
                    new dnnl_memory_desc_t[] {inputData, inputData, inputData});
        }
        add.bind(0, target).bind(1, addend).bind(2, target).run();
    }
}
