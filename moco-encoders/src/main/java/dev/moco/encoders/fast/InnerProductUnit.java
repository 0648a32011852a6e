package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.moco.api.kit.StepWorkspace;
import java.util.List;
import org.bytedeco.dnnl.dnnl_inner_product_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A linear layer y = x·Wᵀ + b, optionally followed by a ReLU fused into the same primitive
 * (the hidden layer of the MoCo v2 MLP head), on oneDNN's inner product over [N, C] matrices;
 * W in PyTorch layout [out, in]. The backward of the fused ReLU reads the output.
 */
final class InnerProductUnit extends AbstractUnit {

    private final String name;
    private final boolean relu;
    private final INDArray weight;
    private final INDArray bias;
    private final INDArray weightGradient;
    private final INDArray biasGradient;
    private final dnnl_memory_desc_t srcMd;
    private final dnnl_memory_desc_t dstMd;
    private final dnnl_memory_desc_t plainWeightsMd;
    private final dnnl_memory_desc_t biasMd;
    private final dnnl_primitive_desc forwardPd;
    private final DnnlOp forward;
    private final WeightReorder forwardWeights;
    private DnnlOp reluBackward;
    private INDArray reluGradient;
    private DnnlOp backwardData;
    private WeightReorder backwardDataWeights;
    private DnnlOp backwardWeights;
    private WeightReorder gradientReorder;

    InnerProductUnit(String name, Activation input, Activation output, boolean relu, INDArray weight, INDArray bias,
                     INDArray weightGradient, INDArray biasGradient) {
        super(name, List.of(input), output);
        this.name = name;
        this.relu = relu;
        this.weight = weight;
        this.bias = bias;
        this.weightGradient = weightGradient;
        this.biasGradient = biasGradient;
        this.srcMd = input.md();
        this.dstMd = output.md();
        this.plainWeightsMd = Dnnl.md(dnnl_oi, output.channels(), input.channels());
        this.biasMd = Dnnl.md(dnnl_x, output.channels());
        dnnl_inner_product_desc_t desc = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_forward_desc_init(desc, dnnl_forward_training, srcMd, anyWeights(), biasMd, dstMd),
                "inner_product_forward_desc_init " + name);
        dnnl_primitive_attr attr = relu ? Dnnl.reluPostOp() : null;
        forwardPd = Dnnl.primitiveDesc(desc, attr, null, name + " forward");
        Dnnl.destroy(attr);
        dnnl_memory_desc_t weightsMd = Dnnl.query(forwardPd, dnnl_query_weights_md);
        forward = own(new DnnlOp(forwardPd, name + " forward",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {srcMd, weightsMd, biasMd, dstMd}));
        forwardWeights = own(new WeightReorder(name, plainWeightsMd, weightsMd, false));
    }

    private dnnl_memory_desc_t anyWeights() {
        return Dnnl.md(dnnl_format_tag_any, output().channels(), input().channels());
    }

    @Override
    public boolean backwardReadsInput(int i) {
        return true;
    }

    @Override
    public boolean backwardReadsOutput() {
        return relu;
    }

    @Override
    public List<INDArray> parameterGradients() {
        return List.of(weightGradient, biasGradient);
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        long w = forwardWeights.prepare(weight, a.weights);
        forward.bind(0, a.inputs[0]).bind(1, w).bind(2, Dnnl.address(bias)).bind(3, a.output).run();
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        if (backwardWeights == null) {
            createBackward();
        }
        long diffDst = a.outputGradient;
        if (relu) {
            reluBackward.bind(0, a.output).bind(1, a.outputGradient).bind(2, Dnnl.address(reluGradient)).run();
            diffDst = Dnnl.address(reluGradient);
        }
        backwardWeights.bind(0, a.inputs[0]).bind(1, diffDst).bind(2, gradientReorder.target(weightGradient, a.weights))
                .bind(3, Dnnl.address(biasGradient)).run();
        gradientReorder.finish(weightGradient, a.weights);
        if (a.inputGradients[0] != 0) {
            long w = backwardDataWeights.prepare(weight, a.weights);
            backwardData.bind(0, diffDst).bind(1, w).bind(2, a.inputGradients[0]).run();
        }
    }

    private void createBackward() {
        if (relu) {
            reluBackward = own(Dnnl.reluBackward(dstMd, name));
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // created by the first backward, kept
                reluGradient = own(Nd4j.create(DataType.FLOAT, output().floats()));
            }
        }
        dnnl_inner_product_desc_t data = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_backward_data_desc_init(data, srcMd, anyWeights(), dstMd),
                "inner_product_backward_data_desc_init " + name);
        dnnl_primitive_desc dataPd = Dnnl.primitiveDesc(data, null, forwardPd, name + " backward data");
        dnnl_memory_desc_t dataWeightsMd = Dnnl.query(dataPd, dnnl_query_weights_md);
        backwardData = own(new DnnlOp(dataPd, name + " backward data",
                new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
                new dnnl_memory_desc_t[] {dstMd, dataWeightsMd, srcMd}));
        backwardDataWeights = own(new WeightReorder(name, plainWeightsMd, dataWeightsMd, false));
        dnnl_inner_product_desc_t weights = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_backward_weights_desc_init(weights, srcMd, anyWeights(), biasMd, dstMd),
                "inner_product_backward_weights_desc_init " + name);
        dnnl_primitive_desc weightsPd = Dnnl.primitiveDesc(weights, null, forwardPd, name + " backward weights");
        dnnl_memory_desc_t diffWeightsMd = Dnnl.query(weightsPd, dnnl_query_diff_weights_md);
        backwardWeights = own(new DnnlOp(weightsPd, name + " backward weights",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                new dnnl_memory_desc_t[] {srcMd, dstMd, diffWeightsMd, biasMd}));
        gradientReorder = own(new WeightReorder(name, plainWeightsMd, diffWeightsMd, true));
    }

    @Override
    public String implementations() {
        return "forward=" + forward.implementation();
    }
}
