package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.moco.encoders.ResNetTopology;
import java.util.List;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.LongPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A bias-free 2-D convolution (any kernel, stride, padding, dilation) for one input shape, on
 * oneDNN: forward, backward-data and backward-weights primitives, created once (the backward
 * ones on first use). The parameter stays in PyTorch layout [out, in, kh, kw] ({@code oihw})
 * in the encoder's flat vector; each primitive gets it in the layout it chose through a
 * {@link WeightReorder}. Activations stay in the network's layouts, never reordered.
 *
 * <p>The backward reads the input (for the weight gradient); it skips the data gradient when
 * none is wanted (the stem's input is the image).
 */
final class ConvUnit extends AbstractUnit {

    /**
     * The default algorithm of 3×3 stride-1 convolutions: {@code dnnl_convolution_direct}, or
     * {@code dnnl_convolution_auto} (oneDNN may use Winograd) with
     * {@code -Dmoco.fast.convolution=auto}.
     */
    static int defaultAlgorithm() {
        return "auto".equals(System.getProperty("moco.fast.convolution", "direct"))
                ? dnnl_convolution_auto : dnnl_convolution_direct;
    }

    private final String name;
    private final INDArray weight;
    private final INDArray weightGradient;
    private final dnnl_memory_desc_t srcMd;
    private final dnnl_memory_desc_t dstMd;
    private final dnnl_memory_desc_t plainWeightsMd;
    private final long[] strides;
    private final long[] dilation;
    private final long[] padding;
    private final int algorithm;
    private final dnnl_primitive_desc forwardPd;
    private final DnnlOp forward;
    private final WeightReorder forwardWeights;
    private DnnlOp backwardData;
    private WeightReorder backwardDataWeights;
    private DnnlOp backwardWeights;
    private WeightReorder gradientReorder;

    /**
     * @param weight the [out, in, k, k] view into the flat parameter vector
     * @param weightGradient its view in the pass-gradient vector
     * @param algorithm3x3 the oneDNN algorithm for 3×3 stride-1 undilated convolutions (others are direct)
     */
    ConvUnit(ResNetTopology.Conv spec, Activation input, Activation output, INDArray weight, INDArray weightGradient,
             int algorithm3x3) {
        super(spec.name(), List.of(input), output);
        this.name = spec.name();
        this.weight = weight;
        this.weightGradient = weightGradient;
        int k = spec.kernel();
        this.srcMd = input.md();
        this.dstMd = output.md();
        this.plainWeightsMd = Dnnl.md(dnnl_oihw, spec.out(), spec.in(), k, k);
        this.strides = new long[] {spec.stride(), spec.stride()};
        this.dilation = new long[] {spec.dilation() - 1, spec.dilation() - 1};   // oneDNN counts the gaps
        this.padding = new long[] {spec.padding(), spec.padding()};
        this.algorithm = k == 3 && spec.stride() == 1 && spec.dilation() == 1 ? algorithm3x3 : dnnl_convolution_direct;
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer d = new LongPointer(dilation);
             LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_dilated_convolution_forward_desc_init(desc, dnnl_forward_training, algorithm,
                    srcMd, anyWeights(), null, dstMd, s, d, p, p), "convolution_forward_desc_init " + name);
        }
        this.forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
        dnnl_memory_desc_t weightsMd = Dnnl.query(forwardPd, dnnl_query_weights_md);
        this.forward = own(new DnnlOp(forwardPd, name + " forward",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {srcMd, weightsMd, dstMd}));
        this.forwardWeights = own(new WeightReorder(name, plainWeightsMd, weightsMd, false));
    }

    private dnnl_memory_desc_t anyWeights() {
        return Dnnl.md(dnnl_format_tag_any, weight.size(0), weight.size(1), weight.size(2), weight.size(3));
    }

    @Override
    public boolean backwardReadsInput(int i) {
        return true;
    }

    @Override
    public List<INDArray> parameterGradients() {
        return List.of(weightGradient);
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        long w = forwardWeights.prepare(weight);
        forward.bind(0, a.inputs[0]).bind(1, w).bind(2, a.output).run();
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        if (backwardWeights == null) {
            createBackwardWeights();
        }
        backwardWeights.bind(0, a.inputs[0]).bind(1, a.outputGradient).bind(2, gradientReorder.target(weightGradient)).run();
        gradientReorder.finish(weightGradient);
        if (a.inputGradients[0] != 0) {
            if (backwardData == null) {
                createBackwardData();
            }
            long w = backwardDataWeights.prepare(weight);
            backwardData.bind(0, a.outputGradient).bind(1, w).bind(2, a.inputGradients[0]).run();
        }
    }

    private void createBackwardData() {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer d = new LongPointer(dilation);
             LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_dilated_convolution_backward_data_desc_init(desc, algorithm,
                    srcMd, anyWeights(), dstMd, s, d, p, p), "convolution_backward_data_desc_init " + name);
        }
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward data");
        dnnl_memory_desc_t weightsMd = Dnnl.query(pd, dnnl_query_weights_md);
        backwardData = own(new DnnlOp(pd, name + " backward data",
                new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
                new dnnl_memory_desc_t[] {dstMd, weightsMd, srcMd}));
        backwardDataWeights = own(new WeightReorder(name, plainWeightsMd, weightsMd, false));
    }

    private void createBackwardWeights() {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer d = new LongPointer(dilation);
             LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_dilated_convolution_backward_weights_desc_init(desc, algorithm,
                    srcMd, anyWeights(), null, dstMd, s, d, p, p), "convolution_backward_weights_desc_init " + name);
        }
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward weights");
        dnnl_memory_desc_t diffWeightsMd = Dnnl.query(pd, dnnl_query_diff_weights_md);
        backwardWeights = own(new DnnlOp(pd, name + " backward weights",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS},
                new dnnl_memory_desc_t[] {srcMd, dstMd, diffWeightsMd}));
        gradientReorder = own(new WeightReorder(name, plainWeightsMd, diffWeightsMd, true));
    }

    @Override
    public String implementations() {
        return "forward=" + forward.implementation()
                + (backwardData == null ? "" : " backward-data=" + backwardData.implementation())
                + (backwardWeights == null ? "" : " backward-weights=" + backwardWeights.implementation());
    }
}
