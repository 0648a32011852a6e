package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.dnnl_nc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import dev.moco.encoders.Precision;
import dev.moco.encoders.ResNetTopology;
import dev.moco.encoders.nn.ParameterBank;
import java.util.List;

/**
 * A {@link ResNetTopology} as a {@link FastNetwork} of units for one input shape: stem conv
 * (reading the NCHW images) and BN+ReLU, optional max-pool, per block the residual branch's
 * conv/BN units, the shortcut's, and an add+ReLU join; global average pooling; the head's
 * inner products (ReLU fused into all but the last). Parameters are views into {@code bank},
 * found by the topology's tensor names, gradients into the bank's gradient vector.
 */
final class ResNetUnits {

    private final FastNetwork net;
    private final ParameterBank bank;
    private final int tag;
    private final int algorithm;
    private final Bf16Scratch scratch;

    private ResNetUnits(FastNetwork net, ParameterBank bank, int tag, int algorithm, Precision precision) {
        this.net = net;
        this.bank = bank;
        this.tag = tag;
        this.algorithm = algorithm;
        this.scratch = precision == Precision.BF16 ? net.bf16Scratch() : null;
    }

    /**
     * @param tag the blocked activation layout ({@code nChw16c} or {@code nChw8c})
     * @param algorithm the oneDNN algorithm of 3×3 stride-1 convolutions
     * @param precision the convolutions' arithmetic
     */
    static FastNetwork compose(ResNetTopology topology, ParameterBank bank, long batch, long height, long width, int tag,
                               int algorithm, Precision precision, int maxLivePasses) {
        FastNetwork net = new FastNetwork(batch, topology.inputChannels(), height, width, dnnl_nchw, maxLivePasses);
        try {
            new ResNetUnits(net, bank, tag, algorithm, precision).build(topology);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private void build(ResNetTopology topology) {
        Activation x = convBn(net.input(), topology.stem().convBn());
        if (topology.stem().maxPool()) {
            int k = ResNetTopology.Stem.POOL_KERNEL;
            int s = ResNetTopology.Stem.POOL_STRIDE;
            int p = ResNetTopology.Stem.POOL_PADDING;
            Activation pooled = net.activation("maxpool", x.channels(), PoolingUnit.outputSize(x.height(), k, s, p),
                    PoolingUnit.outputSize(x.width(), k, s, p), tag);
            x = net.add(PoolingUnit.max("maxpool", x, pooled, k, s, p));
        }
        for (List<ResNetTopology.Block> stage : topology.stages()) {
            for (ResNetTopology.Block block : stage) {
                x = block(x, block);
            }
            net.markStage(x);
        }
        Activation pooled = net.add(PoolingUnit.globalAverage("avgpool", x,
                net.activation("avgpool", x.channels(), 1, 1, dnnl_nc)));
        net.setPooled(pooled);
        Activation h = pooled;
        List<ResNetTopology.Dense> head = topology.head();
        for (int i = 0; i < head.size(); i++) {
            ResNetTopology.Dense d = head.get(i);
            Activation out = net.activation(d.name(), d.out(), 1, 1, dnnl_nc);
            h = net.add(new InnerProductUnit(d.name(), h, out, i < head.size() - 1,
                    bank.get(d.name() + ".weight").value(), bank.get(d.name() + ".bias").value(),
                    bank.get(d.name() + ".weight").gradient(), bank.get(d.name() + ".bias").gradient()));
        }
        net.setOutput(h);
    }

    private Activation block(Activation x, ResNetTopology.Block block) {
        Activation residual = x;
        for (ResNetTopology.ConvBn c : block.residual()) {
            residual = convBn(residual, c);
        }
        Activation shortcut = block.shortcut() == null ? x : convBn(x, block.shortcut());
        Activation out = net.activation(block.name(), residual.channels(), residual.height(), residual.width(), tag);
        return net.add(new AddUnit(block.name(), residual, shortcut, out, true));
    }

    private Activation convBn(Activation x, ResNetTopology.ConvBn c) {
        ResNetTopology.Conv spec = c.conv();
        Activation conv = net.activation(spec.name(), spec.out(), spec.outputSize(x.height()), spec.outputSize(x.width()), tag);
        net.add(new ConvUnit(spec, x, conv, bank.get(spec.name() + ".weight").value(),
                bank.get(spec.name() + ".weight").gradient(), algorithm, scratch));
        Activation bn = net.activation(c.bn(), conv.channels(), conv.height(), conv.width(), tag);
        return net.add(new BatchNormUnit(c.bn(), conv, bn, c.relu(), bank.get(c.bn() + ".weight").value(),
                bank.get(c.bn() + ".bias").value(), bank.get(c.bn() + ".running_mean").value(),
                bank.get(c.bn() + ".running_var").value(), bank.get(c.bn() + ".weight").gradient(),
                bank.get(c.bn() + ".bias").gradient()));
    }
}
