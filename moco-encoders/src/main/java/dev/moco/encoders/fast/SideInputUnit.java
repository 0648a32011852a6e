package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import dev.moco.api.kit.StepWorkspace;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A second (third, ...) input of a {@link FastNetwork}, whose own input is one tensor: a unit
 * with no inputs whose forward copies the tensor {@link #feed fed} to it into its activation,
 * and whose backward copies the complete gradient at that activation out to the caller
 * ({@link #takeGradient}). A dense head reads several stage maps this way. With G &gt; 1
 * normalisation groups the copies interleave and de-interleave the batch as the network's
 * input does ({@link FastNetwork#interleave}).
 */
final class SideInputUnit extends AbstractUnit {

    private final DnnlOp fromPlain;
    private final DnnlOp toPlain;
    private INDArray staging;
    private INDArray fed;
    private INDArray gradient;

    /** @param output the activation the fed tensor is copied into */
    SideInputUnit(String name, Activation output) {
        super(name, List.of(), output);
        fromPlain = own(Dnnl.reorder(output.md(dnnl_nchw), output.md(), name + " from nchw"));
        toPlain = own(Dnnl.reorder(output.md(), output.md(dnnl_nchw), name + " gradient to nchw"));
    }

    /** The tensor the next forward copies in, [N, C, H, W] in the caller's batch order. */
    void feed(INDArray tensor) {
        fed = tensor;
    }

    /** The gradient the last backward wrote, in the caller's batch order and NCHW; null until then. */
    INDArray takeGradient() {
        INDArray g = gradient;
        gradient = null;
        return g;
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        if (fed == null) {
            throw new IllegalStateException(name() + ": nothing was fed before the forward");
        }
        INDArray plain = fed.dataType() == DataType.FLOAT && Dnnl.isDense(fed) && groups <= 1 ? fed : staged(fed, groups);
        fromPlain.bind(0, Dnnl.address(plain)).bind(1, a.output).run();
        fed = null;
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        gradient = Nd4j.create(DataType.FLOAT, output().shape());
        if (groups <= 1) {
            toPlain.bind(0, a.outputGradient).bind(1, Dnnl.address(gradient)).run();
        } else {
            toPlain.bind(0, a.outputGradient).bind(1, Dnnl.address(staging())).run();
            FastNetwork.deinterleave(staging, gradient, groups);
        }
    }

    /** {@code tensor} copied into the staging array, group-interleaved. */
    private INDArray staged(INDArray tensor, int groups) {
        FastNetwork.interleave(tensor.castTo(DataType.FLOAT), staging(), groups);
        return staging;
    }

    private INDArray staging() {
        if (staging == null) {
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // created by the first pass, kept
                staging = Nd4j.create(DataType.FLOAT, output().shape());
            }
        }
        return staging;
    }

    @Override
    public String implementations() {
        return "copy in=" + fromPlain.implementation();
    }

    @Override
    public void close() {
        super.close();
        Resources.close(staging);
        staging = null;
    }
}
