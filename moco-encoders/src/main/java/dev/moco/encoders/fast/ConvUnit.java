package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.moco.encoders.Precision;
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
 *
 * <p>In {@link Precision#BF16} the primitives read bf16 input, weights and output gradient in
 * the layouts they choose, converted into a network-wide {@link Bf16Scratch} just before each
 * runs, and write f32 output, input gradient and weight gradient: the network around them
 * stays f32.
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

    private static volatile String bf16Unsupported;

    /**
     * Why this CPU cannot run bf16 convolutions, or null if it can: oneDNN has bf16 kernels for
     * AVX512-BF16 and AMX (and emulates them on other AVX-512 CPUs), none for AVX2-only CPUs.
     * Probed once by creating a small bf16 convolution.
     */
    static String bf16UnsupportedReason() {
        String reason = bf16Unsupported;
        if (reason == null) {
            try (LongPointer s = new LongPointer(1, 1); LongPointer d = new LongPointer(0, 0);
                 LongPointer p = new LongPointer(1, 1)) {
                dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
                Dnnl.check(dnnl_dilated_convolution_forward_desc_init(desc, dnnl_forward_training, dnnl_convolution_direct,
                        Dnnl.mdOfType(dnnl_bf16, dnnl_format_tag_any, 16, 16, 8, 8),
                        Dnnl.mdOfType(dnnl_bf16, dnnl_format_tag_any, 16, 16, 3, 3), null,
                        Dnnl.mdOfType(dnnl_bf16, dnnl_format_tag_any, 16, 16, 8, 8), s, d, p, p), "bf16 probe");
                dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, null, "bf16 probe");
                dnnl_primitive_desc_destroy(pd);
                reason = "";
            } catch (RuntimeException e) {
                reason = "oneDNN has no bf16 convolution for this CPU (" + e.getMessage() + ")";
            }
            bf16Unsupported = reason;
        }
        return reason.isEmpty() ? null : reason;
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
    /** bf16 only (null in fp32): the shared copies, and the conversions into them per primitive argument. */
    private final Bf16Scratch scratch;
    private final Bf16Copy forwardSource;
    private final Bf16Copy forwardOutput;
    private Bf16Copy backwardWeightsSource;
    private Bf16Copy backwardWeightsOutputGradient;
    private Bf16Copy backwardDataOutputGradient;
    private Bf16Copy backwardDataInputGradient;

    /**
     * The bf16 copy of one f32 primitive argument in a scratch slot, in the layout the primitive
     * chose, with the reorder that fills it from the f32 tensor (a read) or empties it into
     * the f32 tensor (a write).
     */
    private record Bf16Copy(DnnlOp reorder, dnnl_memory_desc_t md, int slot) {}

    /**
     * @param weight the [out, in, k, k] view into the flat parameter vector
     * @param weightGradient its view in the gradient vector
     * @param algorithm3x3 the oneDNN algorithm for 3×3 stride-1 undilated convolutions (others are direct)
     * @param scratch the network's bf16 copies in {@link Precision#BF16}; null in fp32
     */
    ConvUnit(ResNetTopology.Conv spec, Activation input, Activation output, INDArray weight, INDArray weightGradient,
             int algorithm3x3, Bf16Scratch scratch) {
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
        this.scratch = scratch;
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer d = new LongPointer(dilation);
             LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_dilated_convolution_forward_desc_init(desc, dnnl_forward_training, algorithm,
                    bf16Md(srcMd), anyWeights(), null, bf16Md(dstMd), s, d, p, p), "convolution_forward_desc_init " + name);
        }
        this.forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
        dnnl_memory_desc_t weightsMd = Dnnl.query(forwardPd, dnnl_query_weights_md);
        this.forwardSource = bf16Copy(srcMd, forwardPd, dnnl_query_src_md, Bf16Scratch.SOURCE, true, "input");
        this.forwardOutput = bf16Copy(dstMd, forwardPd, dnnl_query_dst_md, Bf16Scratch.OUTPUT, false, "output");
        this.forward = own(new DnnlOp(forwardPd, name + " forward",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {md(forwardSource, srcMd), weightsMd, md(forwardOutput, dstMd)}));
        this.forwardWeights = own(new WeightReorder(name, plainWeightsMd, weightsMd, false));
    }

    private boolean bf16() {
        return scratch != null;
    }

    /** What a primitive takes for an f32 tensor of descriptor {@code md}: itself in fp32, bf16 in a layout of its choice in bf16. */
    private dnnl_memory_desc_t bf16Md(dnnl_memory_desc_t md) {
        return bf16() ? Dnnl.mdOfType(dnnl_bf16, dnnl_format_tag_any, Dnnl.dims(md)) : md;
    }

    private dnnl_memory_desc_t anyWeights() {
        return Dnnl.mdOfType(bf16() ? dnnl_bf16 : dnnl_f32, dnnl_format_tag_any,
                weight.size(0), weight.size(1), weight.size(2), weight.size(3));
    }

    /**
     * The bf16 copy of the f32 tensor {@code f32} in what {@code pd} chose for {@code query}; null in fp32.
     *
     * @param read true for an argument the primitive reads (filled from f32), false for one it writes (emptied into f32)
     */
    private Bf16Copy bf16Copy(dnnl_memory_desc_t f32, dnnl_primitive_desc pd, int query, int slot, boolean read, String what) {
        if (!bf16()) {
            return null;
        }
        dnnl_memory_desc_t copy = Dnnl.query(pd, query);
        DnnlOp reorder = read ? Dnnl.reorder(f32, copy, name + " " + what + " to bf16")
                : Dnnl.reorder(copy, f32, name + " " + what + " from bf16");
        return new Bf16Copy(own(reorder), copy, slot);
    }

    private static dnnl_memory_desc_t md(Bf16Copy copy, dnnl_memory_desc_t f32) {
        return copy == null ? f32 : copy.md();
    }

    /** The address the primitive reads: {@code f32} itself in fp32, its bf16 copy, filled now, in bf16. */
    private long read(Bf16Copy copy, long f32) {
        if (copy == null) {
            return f32;
        }
        long address = scratch.address(copy.slot(), Dnnl.bytes(copy.md()));
        copy.reorder().bind(0, f32).bind(1, address).run();
        return address;
    }

    /** The address the primitive writes: {@code f32} itself in fp32, the bf16 copy in bf16 (emptied by {@link #written}). */
    private long writeTarget(Bf16Copy copy, long f32) {
        return copy == null ? f32 : scratch.address(copy.slot(), Dnnl.bytes(copy.md()));
    }

    /** Moves what the primitive wrote at {@link #writeTarget} into {@code f32}, in bf16. */
    private void written(Bf16Copy copy, long f32) {
        if (copy != null) {
            copy.reorder().bind(0, scratch.address(copy.slot(), Dnnl.bytes(copy.md()))).bind(1, f32).run();
        }
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
        long w = forwardWeights.prepare(weight, a.weights);
        forward.bind(0, read(forwardSource, a.inputs[0])).bind(1, w).bind(2, writeTarget(forwardOutput, a.output)).run();
        written(forwardOutput, a.output);
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        if (backwardWeights == null) {
            createBackwardWeights();
        }
        long outputGradient = read(backwardWeightsOutputGradient, a.outputGradient);
        backwardWeights.bind(0, read(backwardWeightsSource, a.inputs[0])).bind(1, outputGradient)
                .bind(2, gradientReorder.target(weightGradient, a.weights)).run();
        gradientReorder.finish(weightGradient, a.weights);
        if (a.inputGradients[0] != 0) {
            if (backwardData == null) {
                createBackwardData();
            }
            long w = backwardDataWeights.prepare(weight, a.weights);
            if (backwardDataOutputGradient != null) {   // bf16, in another layout than the weight gradient's
                outputGradient = read(backwardDataOutputGradient, a.outputGradient);
            }
            backwardData.bind(0, outputGradient).bind(1, w).bind(2, writeTarget(backwardDataInputGradient, a.inputGradients[0])).run();
            written(backwardDataInputGradient, a.inputGradients[0]);
        }
    }

    private void createBackwardData() {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer d = new LongPointer(dilation);
             LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_dilated_convolution_backward_data_desc_init(desc, algorithm,
                    bf16Md(srcMd), anyWeights(), bf16Md(dstMd), s, d, p, p), "convolution_backward_data_desc_init " + name);
        }
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward data");
        dnnl_memory_desc_t weightsMd = Dnnl.query(pd, dnnl_query_weights_md);
        dnnl_memory_desc_t outputGradientMd = dstMd;
        if (bf16()) {
            outputGradientMd = Dnnl.query(pd, dnnl_query_diff_dst_md);
            if (!Dnnl.equal(outputGradientMd, backwardWeightsOutputGradient.md())) {
                backwardDataOutputGradient = bf16Copy(dstMd, pd, dnnl_query_diff_dst_md,
                        Bf16Scratch.OUTPUT_GRADIENT_OTHER_LAYOUT, true, "output gradient");
            }
            backwardDataInputGradient = bf16Copy(srcMd, pd, dnnl_query_diff_src_md, Bf16Scratch.INPUT_GRADIENT, false,
                    "input gradient");
        }
        backwardData = own(new DnnlOp(pd, name + " backward data",
                new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
                new dnnl_memory_desc_t[] {outputGradientMd, weightsMd, md(backwardDataInputGradient, srcMd)}));
        backwardDataWeights = own(new WeightReorder(name, plainWeightsMd, weightsMd, false));
    }

    private void createBackwardWeights() {
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer d = new LongPointer(dilation);
             LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_dilated_convolution_backward_weights_desc_init(desc, algorithm,
                    bf16Md(srcMd), Dnnl.md(dnnl_format_tag_any, weight.size(0), weight.size(1), weight.size(2), weight.size(3)),
                    null, bf16Md(dstMd), s, d, p, p), "convolution_backward_weights_desc_init " + name);
        }
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward weights");
        dnnl_memory_desc_t diffWeightsMd = Dnnl.query(pd, dnnl_query_diff_weights_md);
        backwardWeightsSource = bf16Copy(srcMd, pd, dnnl_query_src_md, Bf16Scratch.SOURCE, true, "input");
        backwardWeightsOutputGradient = bf16Copy(dstMd, pd, dnnl_query_diff_dst_md, Bf16Scratch.OUTPUT_GRADIENT, true,
                "output gradient");
        backwardWeights = own(new DnnlOp(pd, name + " backward weights",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS},
                new dnnl_memory_desc_t[] {md(backwardWeightsSource, srcMd), md(backwardWeightsOutputGradient, dstMd),
                    diffWeightsMd}));
        gradientReorder = own(new WeightReorder(name, plainWeightsMd, diffWeightsMd, true));
    }

    @Override
    public String implementations() {
        return "forward=" + forward.implementation()
                + (backwardData == null ? "" : " backward-data=" + backwardData.implementation())
                + (backwardWeights == null ? "" : " backward-weights=" + backwardWeights.implementation());
    }
}
