package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.List;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_resampling_desc_t;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Bilinear resizing of feature maps on oneDNN's linear resampling, whose half-pixel sampling
 * is PyTorch's {@code align_corners=False} (the reference is
 * {@code dev.moco.encoders.nn.BilinearUpsample}); for the top-down path of a feature pyramid.
 * The backward reads nothing but the output gradient.
 */
final class BilinearUpsampleUnit extends AbstractUnit {

    private final dnnl_memory_desc_t src;
    private final dnnl_memory_desc_t dst;
    private final dnnl_primitive_desc forwardPd;
    private final DnnlOp forward;
    private DnnlOp backward;

    BilinearUpsampleUnit(String name, Activation input, Activation output) {
        super(name, List.of(input), output);
        this.src = input.md();
        this.dst = output.md();
        dnnl_resampling_desc_t desc = new dnnl_resampling_desc_t();
        Dnnl.check(dnnl_resampling_forward_desc_init(desc, dnnl_forward_training, dnnl_resampling_linear,
                (FloatPointer) null, src, dst), "resampling_forward_desc_init " + name);
        forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
        forward = own(new DnnlOp(forwardPd, name + " forward", new int[] {DNNL_ARG_SRC, DNNL_ARG_DST},
                new dnnl_memory_desc_t[] {src, dst}));
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        forward.bind(0, a.inputs[0]).bind(1, a.output).run();
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        if (a.inputGradients[0] == 0) {
            return;
        }
        if (backward == null) {
            dnnl_resampling_desc_t desc = new dnnl_resampling_desc_t();
            Dnnl.check(dnnl_resampling_backward_desc_init(desc, dnnl_resampling_linear, (FloatPointer) null, src, dst),
                    "resampling_backward_desc_init " + name());
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name() + " backward");
            backward = own(new DnnlOp(pd, name() + " backward", new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC},
                    new dnnl_memory_desc_t[] {dst, src}));
        }
        backward.bind(0, a.outputGradient).bind(1, a.inputGradients[0]).run();
    }

    @Override
    public String implementations() {
        return "forward=" + forward.implementation();
    }
}
