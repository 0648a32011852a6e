package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Channel concatenation of feature maps ({@code torch.cat(inputs, dim=1)}, the reference is
 * {@code dev.moco.encoders.nn.ChannelConcat}) on oneDNN's concat primitive. The backward hands
 * each input its channel slice of the output gradient: a reorder from a sub-memory view of the
 * output gradient, so in the blocked layout every input's channels must be a multiple of the
 * block (16).
 */
final class ConcatUnit extends AbstractUnit {

    private final DnnlOp forward;
    private final List<DnnlOp> slices = new ArrayList<>();

    ConcatUnit(String name, List<Activation> inputs, Activation output) {
        super(name, inputs, output);
        long channels = 0;
        for (Activation a : inputs) {
            if (a.height() != output.height() || a.width() != output.width() || a.tag() != output.tag()) {
                throw new IllegalArgumentException(name + ": cannot concatenate " + a + " into " + output);
            }
            channels += a.channels();
        }
        if (channels != output.channels()) {
            throw new IllegalArgumentException(name + ": inputs have " + channels + " channels, the output " + output.channels());
        }
        int n = inputs().size();
        dnnl_memory_desc_t sources = new dnnl_memory_desc_t(n);
        int[] kinds = new int[n + 1];
        dnnl_memory_desc_t[] mds = new dnnl_memory_desc_t[n + 1];
        for (int i = 0; i < n; i++) {
            dnnl_memory_desc_t md = inputs.get(i).md();
            Pointer.memcpy(sources.getPointer(i), md, md.sizeof());
            kinds[i] = DNNL_ARG_MULTIPLE_SRC + i;
            mds[i] = md;
        }
        dnnl_memory_desc_t dst = output.md();
        kinds[n] = DNNL_ARG_DST;
        mds[n] = dst;
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_concat_primitive_desc_create(pd, dst, n, 1, sources, null, Dnnl.engine()), "concat " + name);
        forward = own(new DnnlOp(pd, name + " concat", kinds, mds));
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        for (int i = 0; i < inputs().size(); i++) {
            forward.bind(i, a.inputs[i]);
        }
        forward.bind(inputs().size(), a.output).run();
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        if (slices.isEmpty()) {
            dnnl_memory_desc_t parent = output().md();
            long start = 0;
            for (Activation in : inputs()) {
                dnnl_memory_desc_t slice = new dnnl_memory_desc_t();
                try (LongPointer dims = new LongPointer(in.batch(), in.channels(), in.height(), in.width());
                     LongPointer offsets = new LongPointer(0, start, 0, 0)) {
                    Dnnl.check(dnnl_memory_desc_init_submemory(slice, parent, dims, offsets), "submemory " + name());
                }
                slices.add(own(Dnnl.reorder(slice, in.md(), name() + " gradient slice")));
                start += in.channels();
            }
        }
        for (int i = 0; i < inputs().size(); i++) {
            if (a.inputGradients[i] != 0) {
                slices.get(i).bind(0, a.outputGradient).bind(1, a.inputGradients[i]).run();
            }
        }
    }

    @Override
    public String implementations() {
        return "concat=" + forward.implementation();
    }
}
