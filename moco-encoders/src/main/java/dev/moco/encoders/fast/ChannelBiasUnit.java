package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.List;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_reduction_desc_t;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = x + b per channel (the reference is {@code dev.moco.encoders.nn.ChannelBias}): the bias of
 * a dense head's last 1×1 convolution. Forward is one binary add with b broadcast as
 * [1, C, 1, 1]; the backward copies dy to dx and writes db = Σ dy over N, H and W with a
 * reduction. Neither reads an activation.
 */
final class ChannelBiasUnit extends AbstractUnit {

    private final INDArray bias;
    private final INDArray biasGradient;
    private final dnnl_memory_desc_t data;
    private final dnnl_memory_desc_t vector;
    private final DnnlOp add;
    private DnnlOp copy;
    private DnnlOp reduction;

    /**
     * @param bias the [C] view into the flat parameter vector
     * @param biasGradient its view in the pass-gradient vector
     */
    ChannelBiasUnit(String name, Activation input, Activation output, INDArray bias, INDArray biasGradient) {
        super(name, List.of(input), output);
        if (input.channels() != output.channels() || input.height() != output.height() || input.width() != output.width()
                || input.tag() != output.tag() || bias.length() != input.channels()) {
            throw new IllegalArgumentException(name + ": cannot add a bias of " + bias.length() + " channels to " + input
                    + " into " + output);
        }
        this.bias = bias;
        this.biasGradient = biasGradient;
        this.data = input.md();
        this.vector = Dnnl.md(dnnl_nchw, 1, input.channels(), 1, 1);
        dnnl_binary_desc_t desc = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(desc, dnnl_binary_add, data, vector, data), "binary_desc_init " + name);
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, null, name + " bias");
        add = own(new DnnlOp(pd, name + " bias", new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {data, vector, data}));
    }

    @Override
    public List<INDArray> parameterGradients() {
        return List.of(biasGradient);
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        add.bind(0, a.inputs[0]).bind(1, Dnnl.address(bias)).bind(2, a.output).run();
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        if (reduction == null) {
            dnnl_reduction_desc_t desc = new dnnl_reduction_desc_t();
            Dnnl.check(dnnl_reduction_desc_init(desc, dnnl_reduction_sum, data, vector, 0f, 0f),
                    "reduction_desc_init " + name());
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, null, name() + " bias gradient");
            reduction = own(new DnnlOp(pd, name() + " bias gradient", new int[] {DNNL_ARG_SRC, DNNL_ARG_DST},
                    new dnnl_memory_desc_t[] {data, vector}));
        }
        reduction.bind(0, a.outputGradient).bind(1, Dnnl.address(biasGradient)).run();
        if (a.inputGradients[0] != 0) {
            if (copy == null) {
                copy = own(Dnnl.reorder(data, data, name() + " gradient copy"));
            }
            copy.bind(0, a.outputGradient).bind(1, a.inputGradients[0]).run();
        }
    }

    @Override
    public String implementations() {
        return "bias=" + add.implementation() + (reduction == null ? "" : " bias-gradient=" + reduction.implementation());
    }
}
