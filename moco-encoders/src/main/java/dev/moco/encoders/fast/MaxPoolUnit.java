package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.List;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.LongPointer;

/**
 * Max pooling (the ImageNet stem's 3×3 stride-2 pad-1) on oneDNN over blocked activations;
 * padding never wins the max, as in {@code nn.MaxPool2d}. The forward records where each
 * maximum came from in the pass's state (oneDNN's workspace), which is all the backward reads.
 */
final class MaxPoolUnit implements FastUnit {

    private final String name;
    private final Activation input;
    private final Activation output;
    private final long[] kernel;
    private final long[] strides;
    private final long[] padding;
    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final dnnl_memory_desc_t workspace;
    private final dnnl_primitive_desc forwardPd;
    private final DnnlOp forward;
    private DnnlOp backward;

    MaxPoolUnit(String name, Activation input, Activation output, int kernel, int stride, int padding) {
        this.name = name;
        this.input = input;
        this.output = output;
        this.kernel = new long[] {kernel, kernel};
        this.strides = new long[] {stride, stride};
        this.padding = new long[] {padding, padding};
        this.src = input.md();
        this.dst = output.md();
        dnnl_pooling_desc_t desc = new dnnl_pooling_desc_t();
        try (LongPointer s = new LongPointer(strides); LongPointer k = new LongPointer(this.kernel);
             LongPointer p = new LongPointer(this.padding)) {
            Dnnl.check(dnnl_pooling_forward_desc_init(desc, dnnl_forward_training, dnnl_pooling_max, src, dst, s, k, p, p),
                    "pooling_forward_desc_init " + name);
        }
        forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
        workspace = Dnnl.query(forwardPd, dnnl_query_workspace_md);
        forward = new DnnlOp(forwardPd, name + " forward", new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE},
                new dnnl_memory_desc_t[] {src, dst, workspace});
    }

    /** Output size of a max-pool over {@code size} pixels, as {@code nn.MaxPool2d} without ceil mode. */
    static long outputSize(long size, int kernel, int stride, int padding) {
        return (size + 2L * padding - kernel) / stride + 1;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Activation> inputs() {
        return List.of(input);
    }

    @Override
    public Activation output() {
        return output;
    }

    @Override
    public boolean backwardReadsInput(int i) {
        return false;
    }

    @Override
    public boolean backwardReadsOutput() {
        return false;
    }

    @Override
    public long stateFloats(int groups) {
        return Dnnl.floats(workspace);
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        forward.bind(0, a.inputs[0]).bind(1, a.output).bind(2, a.state).run();
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
                Dnnl.check(dnnl_pooling_backward_desc_init(desc, dnnl_pooling_max, src, dst, s, k, p, p),
                        "pooling_backward_desc_init " + name);
            }
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward");
            backward = new DnnlOp(pd, name + " backward", new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC},
                    new dnnl_memory_desc_t[] {dst, workspace, src});
        }
        backward.bind(0, a.outputGradient).bind(1, a.state).bind(2, a.inputGradients[0]).run();
    }

    @Override
    public String implementations() {
        return "forward=" + forward.implementation();
    }

    @Override
    public void close() {
        Resources.close(backward);
        forward.close();
    }
}
