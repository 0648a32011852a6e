package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.LongPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A bias-free 2-D convolution for one batch size and input size, on oneDNN: forward,
 * backward-data and backward-weights primitives, created once.
 *
 * <p>The parameter stays in PyTorch layout [out, in, kh, kw] (oneDNN {@code oihw}) inside the
 * encoder's flat vector; each primitive gets the weights in the blocked layout it chose
 * ({@code format_tag any}) through a small reorder before it runs, and the weight gradient is
 * reordered back to {@code oihw}. Activations are in the fixed blocked layout of the encoder
 * (e.g. {@code nChw8c}), so no activation is ever reordered.
 */
final class ConvUnit {

    /**
     * The default algorithm of 3×3 stride-1 convolutions: {@code dnnl_convolution_direct}, or
     * {@code dnnl_convolution_auto} (oneDNN may use Winograd) with
     * {@code -Dmoco.fast.convolution=auto}.
     */
    static int defaultAlgorithm() {
        return "auto".equals(System.getProperty("moco.fast.convolution", "direct"))
                ? dnnl_convolution_auto : dnnl_convolution_direct;
    }

    final String name;
    final int inChannels;
    final int outChannels;
    final long outHeight;
    final long outWidth;
    private final INDArray weight;
    private final dnnl_memory_desc_t srcMd;
    private final dnnl_memory_desc_t dstMd;
    private final dnnl_memory_desc_t plainWeightsMd;
    private final long[] strides;
    private final long[] padding;
    private final int algorithm;
    private final dnnl_primitive_desc forwardPd;
    private final DnnlOp forward;
    private final WeightReorder forwardWeights;
    private DnnlOp backwardData;
    private WeightReorder backwardDataWeights;
    private DnnlOp backwardWeights;
    private DnnlOp gradientReorder;
    private INDArray blockedGradient;

    /**
     * @param weight the [out, in, k, k] view into the flat parameter vector
     * @param srcTag the layout of the input activations (blocked, or {@code nchw} for images)
     * @param dstTag the layout of the output activations
     * @param algorithm3x3 the oneDNN algorithm for 3×3 stride-1 convolutions (others are direct)
     */
    ConvUnit(String name, INDArray weight, long batch, long inHeight, long inWidth, int stride, int pad,
             int srcTag, int dstTag, int algorithm3x3) {
        this.name = name;
        this.weight = weight;
        this.outChannels = (int) weight.size(0);
        this.inChannels = (int) weight.size(1);
        int k = (int) weight.size(2);
        this.outHeight = (inHeight + 2L * pad - k) / stride + 1;
        this.outWidth = (inWidth + 2L * pad - k) / stride + 1;
        this.srcMd = Dnnl.md(srcTag, batch, inChannels, inHeight, inWidth);
        this.dstMd = Dnnl.md(dstTag, batch, outChannels, outHeight, outWidth);
        this.plainWeightsMd = Dnnl.md(dnnl_oihw, outChannels, inChannels, k, k);
        this.strides = new long[] {stride, stride};
        this.padding = new long[] {pad, pad};
        this.algorithm = k == 3 && stride == 1 ? algorithm3x3 : dnnl_convolution_direct;
        dnnl_memory_desc_t anyWeights = Dnnl.md(dnnl_format_tag_any, outChannels, inChannels, k, k);
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_convolution_forward_desc_init(desc, dnnl_forward_training, algorithm,
                    srcMd, anyWeights, null, dstMd, s, p, p), "convolution_forward_desc_init " + name);
        }
        this.forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
        dnnl_memory_desc_t weightsMd = Dnnl.query(forwardPd, dnnl_query_weights_md);
        this.forward = new DnnlOp(forwardPd, name + " forward",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {srcMd, weightsMd, dstMd});
        this.forwardWeights = new WeightReorder(name, plainWeightsMd, weightsMd);
    }

    /** dst = conv(src, weight). Addresses of the whole batch in this unit's layouts. */
    void forward(long src, long dst) {
        long w = forwardWeights.prepare(weight);
        forward.bind(0, src).bind(1, w).bind(2, dst).run();
    }

    /** diffSrc = d loss / d src, from diffDst = d loss / d dst. */
    void backwardData(long diffDst, long diffSrc) {
        if (backwardData == null) {
            createBackwardData();
        }
        long w = backwardDataWeights.prepare(weight);
        backwardData.bind(0, diffDst).bind(1, w).bind(2, diffSrc).run();
    }

    /** Writes d loss / d weight, in [out, in, k, k] layout, into {@code gradient} (overwriting it). */
    void backwardWeights(long src, long diffDst, INDArray gradient) {
        if (backwardWeights == null) {
            createBackwardWeights();
        }
        if (gradientReorder == null) {
            backwardWeights.bind(0, src).bind(1, diffDst).bind(2, Dnnl.address(gradient)).run();
        } else {
            backwardWeights.bind(0, src).bind(1, diffDst).bind(2, Dnnl.address(blockedGradient)).run();
            gradientReorder.bind(0, Dnnl.address(blockedGradient)).bind(1, Dnnl.address(gradient)).run();
        }
    }

    private void createBackwardData() {
        dnnl_memory_desc_t anyWeights = Dnnl.md(dnnl_format_tag_any, outChannels, inChannels, weight.size(2), weight.size(3));
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_convolution_backward_data_desc_init(desc, algorithm,
                    srcMd, anyWeights, dstMd, s, p, p), "convolution_backward_data_desc_init " + name);
        }
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward data");
        dnnl_memory_desc_t weightsMd = Dnnl.query(pd, dnnl_query_weights_md);
        backwardData = new DnnlOp(pd, name + " backward data",
                new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC},
                new dnnl_memory_desc_t[] {dstMd, weightsMd, srcMd});
        backwardDataWeights = new WeightReorder(name, plainWeightsMd, weightsMd);
    }

    private void createBackwardWeights() {
        dnnl_memory_desc_t anyWeights = Dnnl.md(dnnl_format_tag_any, outChannels, inChannels, weight.size(2), weight.size(3));
        dnnl_convolution_desc_t desc = new dnnl_convolution_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_convolution_backward_weights_desc_init(desc, algorithm,
                    srcMd, anyWeights, null, dstMd, s, p, p), "convolution_backward_weights_desc_init " + name);
        }
        dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward weights");
        dnnl_memory_desc_t diffWeightsMd = Dnnl.query(pd, dnnl_query_diff_weights_md);
        backwardWeights = new DnnlOp(pd, name + " backward weights",
                new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS},
                new dnnl_memory_desc_t[] {srcMd, dstMd, diffWeightsMd});
        if (!Dnnl.equal(diffWeightsMd, plainWeightsMd)) {
            blockedGradient = Nd4j.create(DataType.FLOAT, Dnnl.floats(diffWeightsMd));
            gradientReorder = Dnnl.reorder(diffWeightsMd, plainWeightsMd, name + " weight-gradient reorder");
        }
    }

    /** The implementations oneDNN chose, for diagnostics ("forward=jit:avx2 ..."). */
    String implementations() {
        return "forward=" + forward.implementation()
                + (backwardData == null ? "" : " backward-data=" + backwardData.implementation())
                + (backwardWeights == null ? "" : " backward-weights=" + backwardWeights.implementation());
    }

    /** The weights a primitive wants, reordered from the plain parameter when the layouts differ. */
    private static final class WeightReorder {
        private final DnnlOp reorder;
        private final INDArray blocked;

        WeightReorder(String name, dnnl_memory_desc_t plain, dnnl_memory_desc_t wanted) {
            if (Dnnl.equal(plain, wanted)) {
                reorder = null;
                blocked = null;
            } else {
                reorder = Dnnl.reorder(plain, wanted, name + " weight reorder");
                blocked = Nd4j.create(DataType.FLOAT, Dnnl.floats(wanted));
            }
        }

        long prepare(INDArray weight) {
            if (reorder == null) {
                return Dnnl.address(weight);
            }
            reorder.bind(0, Dnnl.address(weight)).bind(1, Dnnl.address(blocked)).run();
            return Dnnl.address(blocked);
        }
    }
}
