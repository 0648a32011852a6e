package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.List;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.LongPointer;

/**
 * Pooling on oneDNN over blocked activations: {@link #max} (the ImageNet stem's 3×3 stride-2
 * pad-1; padding never wins, as in {@code nn.MaxPool2d}; the forward records where each maximum
 * came from in the pass's state, oneDNN's workspace, which is all its backward reads) or
 * {@link #globalAverage} ([N, C, H, W] → [N, C]: the blocked [N, C, 1, 1] result has the memory
 * of the row-major [N, C] matrix that is the output activation when C is a multiple of the
 * block, so the head reads it with no reorder).
 */
final class PoolingUnit extends AbstractUnit {

    private final int algorithm;
    private final long[] kernel;
    private final long[] strides;
    private final long[] padding;
    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final dnnl_memory_desc_t workspace;
    private final dnnl_primitive_desc forwardPd;
    private final DnnlOp forward;
    private DnnlOp backward;

    private PoolingUnit(String name, Activation input, Activation output, int algorithm, long[] kernel, long[] strides,
                        long[] padding, dnnl_memory_desc_t dst) {
        super(name, List.of(input), output);
        this.algorithm = algorithm;
        this.kernel = kernel;
        this.strides = strides;
        this.padding = padding;
        this.src = input.md();
        this.dst = dst;
        dnnl_pooling_desc_t desc = new dnnl_pooling_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer k = new LongPointer(kernel);
             LongPointer p = new LongPointer(padding)) {
            Dnnl.check(dnnl_pooling_forward_desc_init(desc, dnnl_forward_training, algorithm, src, dst, s, k, p, p),
                    "pooling_forward_desc_init " + name);
        }
        forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
        workspace = algorithm == dnnl_pooling_max ? Dnnl.query(forwardPd, dnnl_query_workspace_md) : null;
        forward = own(workspace == null
                ? new DnnlOp(forwardPd, name + " forward", new int[] {DNNL_ARG_SRC, DNNL_ARG_DST},
                        new dnnl_memory_desc_t[] {src, dst})
                : new DnnlOp(forwardPd, name + " forward", new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE},
                        new dnnl_memory_desc_t[] {src, dst, workspace}));
    }

    /** Max pooling with a square window. */
    static PoolingUnit max(String name, Activation input, Activation output, int kernel, int stride, int padding) {
        return new PoolingUnit(name, input, output, dnnl_pooling_max, new long[] {kernel, kernel},
                new long[] {stride, stride}, new long[] {padding, padding}, output.md());
    }

    /** Global average pooling to the [N, C] matrix {@code output}. */
    static PoolingUnit globalAverage(String name, Activation input, Activation output) {
        dnnl_memory_desc_t pooled = Dnnl.md(input.tag(), input.batch(), input.channels(), 1, 1);
        if (Dnnl.bytes(pooled) != Dnnl.bytes(output.md())) {
            throw new IllegalArgumentException(name + ": " + input.channels() + " channels are not a multiple of the"
                    + " activation block, so the pooled map is not a plain matrix");
        }
        long[] whole = {input.height(), input.width()};
        return new PoolingUnit(name, input, output, dnnl_pooling_avg_exclude_padding, whole, whole, new long[] {0, 0},
                pooled);
    }

    /** Output size of a max-pool over {@code size} pixels, as {@code nn.MaxPool2d} without ceil mode. */
    static long outputSize(long size, int kernel, int stride, int padding) {
        return (size + 2L * padding - kernel) / stride + 1;
    }

    @Override
    public long stateFloats(int groups) {
        return workspace == null ? 0 : Dnnl.floats(workspace);
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        forward.bind(0, a.inputs[0]).bind(1, a.output);
        if (workspace != null) {
            forward.bind(2, a.state);
        }
        forward.run();
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        if (a.inputGradients[0] == 0) {
            return;
        }
        if (backward == null) {
            dnnl_pooling_desc_t desc = new dnnl_pooling_desc_t();
            try (LongPointer s = new LongPointer(strides); LongPointer k = new LongPointer(kernel);
                 LongPointer p = new LongPointer(padding)) {
                Dnnl.check(dnnl_pooling_backward_desc_init(desc, algorithm, src, dst, s, k, p, p),
                        "pooling_backward_desc_init " + name());
            }
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name() + " backward");
            backward = own(workspace == null
                    ? new DnnlOp(pd, name() + " backward", new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC},
                            new dnnl_memory_desc_t[] {dst, src})
                    : new DnnlOp(pd, name() + " backward", new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC},
                            new dnnl_memory_desc_t[] {dst, workspace, src}));
        }
        backward.bind(0, a.outputGradient);
        if (workspace != null) {
            backward.bind(1, a.state).bind(2, a.inputGradients[0]);
        } else {
            backward.bind(1, a.inputGradients[0]);
        }
        backward.run();
    }

    @Override
    public String implementations() {
        return "forward=" + forward.implementation();
    }
}
