package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.List;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;

/**
 * y = a + b, or y = relu(a + b) where a residual block's branches meet (He et al. 2016); also
 * the lateral + top-down merge of a feature pyramid. Forward is one binary add (with a fused
 * ReLU post-op); both inputs receive the same gradient, written once into one shared buffer:
 * dy·[y &gt; 0] computed from y with a ReLU, or dy itself copied.
 */
final class AddUnit extends AbstractUnit {

    private final boolean relu;
    private final dnnl_memory_desc_t data;
    private final DnnlOp add;
    private DnnlOp gradient;

    AddUnit(String name, Activation first, Activation second, Activation output, boolean relu) {
        super(name, List.of(first, second), output);
        if (first.channels() != second.channels() || first.height() != second.height() || first.width() != second.width()
                || first.tag() != second.tag()) {
            throw new IllegalArgumentException(name + ": cannot add " + first + " and " + second);
        }
        this.relu = relu;
        this.data = output.md();
        dnnl_binary_desc_t desc = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(desc, dnnl_binary_add, data, data, data), "binary_desc_init " + name);
        dnnl_primitive_attr attr = relu ? Dnnl.reluPostOp() : null;
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, attr, null, name + (relu ? " add+relu" : " add"));
        Dnnl.destroy(attr);
        add = own(new DnnlOp(pd, name + (relu ? " add+relu" : " add"), new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {data, data, data}));
    }

    @Override
    public int[] inputGradientSharing() {
        return new int[] {0, 0};
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
            gradient = own(relu ? Dnnl.reluBackward(data, name()) : Dnnl.reorder(data, data, name() + " gradient copy"));
        }
        if (relu) {
            gradient.bind(0, a.output).bind(1, a.outputGradient).bind(2, target).run();
        } else {
            gradient.bind(0, a.outputGradient).bind(1, target).run();
        }
    }

    @Override
    public String implementations() {
        return "add=" + add.implementation();
    }
}
