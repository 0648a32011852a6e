package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.List;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * y = a + b, or y = relu(a + b) where a residual block's branches meet (He et al. 2016); also
 * the lateral + top-down merge of a feature pyramid. Forward is one binary add (with a fused
 * ReLU post-op); both inputs receive the same gradient, written once into one shared buffer:
 * dy·[y &gt; 0] computed from y with a ReLU, or dy itself copied.
 */
final class AddUnit implements FastUnit {

    private final String name;
    private final Activation first;
    private final Activation second;
    private final Activation output;
    private final boolean relu;
    private final dnnl_memory_desc_t data;
    private final DnnlOp add;
    private DnnlOp gradient;

    AddUnit(String name, Activation first, Activation second, Activation output, boolean relu) {
        if (first.channels() != second.channels() || first.height() != second.height() || first.width() != second.width()
                || first.tag() != second.tag()) {
            throw new IllegalArgumentException(name + ": cannot add " + first + " and " + second);
        }
        this.name = name;
        this.first = first;
        this.second = second;
        this.output = output;
        this.relu = relu;
        this.data = output.md();
        dnnl_binary_desc_t desc = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(desc, dnnl_binary_add, data, data, data), "binary_desc_init " + name);
        dnnl_primitive_attr attr = relu ? Dnnl.reluPostOp() : null;
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, attr, null, name + (relu ? " add+relu" : " add"));
        Dnnl.destroy(attr);
        add = new DnnlOp(pd, name + (relu ? " add+relu" : " add"), new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {data, data, data});
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Activation> inputs() {
        return List.of(first, second);
    }

    @Override
    public Activation output() {
        return output;
    }

    @Override
    public int[] inputGradientSharing() {
        return new int[] {0, 0};
    }

    @Override
    public boolean backwardReadsInput(int i) {
        return false;
    }

    @Override
    public boolean backwardReadsOutput() {
        return relu;
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        add.bind(0, a.inputs[0]).bind(1, a.inputs[1]).bind(2, a.output).run();
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        long target = a.inputGradients[0] != 0 ? a.inputGradients[0] : a.inputGradients[1];
        if (target == 0) {
            return;
        }
        if (gradient == null) {
            gradient = relu ? reluBackward() : Dnnl.reorder(data, data, name + " gradient copy");
        }
        if (relu) {
            gradient.bind(0, a.output).bind(1, a.outputGradient).bind(2, target).run();
        } else {
            gradient.bind(0, a.outputGradient).bind(1, target).run();
        }
    }

    private DnnlOp reluBackward() {
        dnnl_eltwise_desc_t forwardDesc = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(forwardDesc, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd,
                data, 0f, 0f), "eltwise_forward_desc_init " + name);
        dnnl_primitive_desc hint = Dnnl.primitiveDesc(forwardDesc, null, null, name + " relu (hint)");
        dnnl_eltwise_desc_t desc = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_backward_desc_init(desc, dnnl_eltwise_relu_use_dst_for_bwd, data, data, 0f, 0f),
                "eltwise_backward_desc_init " + name);
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, hint, name + " relu backward");
        dnnl_primitive_desc_destroy(hint);
        return new DnnlOp(pd, name + " relu backward", new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC},
                new dnnl_memory_desc_t[] {data, data, data});
    }

    @Override
    public String implementations() {
        return "add=" + add.implementation();
    }

    @Override
    public void close() {
        Resources.close(gradient);
        add.close();
    }
}
