package dev.moco.encoders.fast;

import dev.moco.encoders.DenseHeadTopology;
import dev.moco.encoders.ResNetTopology;
import dev.moco.encoders.nn.ParameterBank;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DenseHeadTopology} as a {@link FastNetwork} of units for one set of stage-map shapes:
 * the finest read stage is the network's input, every other read stage a {@link SideInputUnit};
 * per read stage a 1×1 {@link ConvUnit} (and a {@link BilinearUpsampleUnit} to the fusion
 * stride), a chain of {@link AddUnit}s summing the laterals in stage order, BN+ReLU, the 3×3
 * conv and BN+ReLU of the tower, the 1×1 prediction conv, the {@link ChannelBiasUnit} and the
 * final upsampling where the topology has one. Parameters are views into {@code bank}, found by
 * the topology's tensor names; gradients into the bank's gradient vector.
 *
 * @param net the network; its output is the head's output
 * @param sideInputs the side input of each read stage after the first, in read order
 */
record DenseHeadUnits(FastNetwork net, List<SideInputUnit> sideInputs) {

    /**
     * @param batch images per pass
     * @param heights the height of each read stage's map, in {@link DenseHeadTopology#readStages()} order
     * @param widths likewise the widths
     * @param tag the blocked activation layout
     * @param algorithm the oneDNN algorithm of 3×3 stride-1 convolutions
     */
    static DenseHeadUnits compose(DenseHeadTopology t, ParameterBank bank, long batch, long[] heights, long[] widths, int tag,
            int algorithm, int maxLivePasses) {
        int[] read = t.readStages();
        int[] channels = t.stageChannels();
        FastNetwork net = new FastNetwork(batch, channels[read[0]], heights[0], widths[0], tag, maxLivePasses);
        try {
            List<SideInputUnit> sides = new ArrayList<>();
            List<Activation> maps = new ArrayList<>(List.of(net.input()));
            for (int i = 1; i < read.length; i++) {
                SideInputUnit side = new SideInputUnit("stage" + read[i],
                        net.activation("stage" + read[i], channels[read[i]], heights[i], widths[i], tag));
                maps.add(net.add(side));
                sides.add(side);
            }
            long fusedHeight = heights[0] * t.lateralFactor(read[0]);
            long fusedWidth = widths[0] * t.lateralFactor(read[0]);
            Activation sum = null;
            for (int i = 0; i < read.length; i++) {
                Activation lateral = conv(net, bank, t.lateral(read[i]), maps.get(i), tag, algorithm);
                if (t.lateralFactor(read[i]) > 1) {
                    lateral = net.add(new BilinearUpsampleUnit(lateral.name() + ".up", lateral,
                            net.activation(lateral.name() + ".up", t.width(), fusedHeight, fusedWidth, tag)));
                }
                sum = sum == null ? lateral : net.add(new AddUnit("fuse.sum" + i, sum, lateral,
                        net.activation("fuse.sum" + i, t.width(), fusedHeight, fusedWidth, tag), false));
            }
            Activation x = bnRelu(net, bank, t.fusionNorm(), sum, tag);
            x = bnRelu(net, bank, t.towerNorm(), conv(net, bank, t.tower(), x, tag, algorithm), tag);
            x = conv(net, bank, t.prediction(), x, tag, algorithm);
            String bias = t.predictionBias();
            x = net.add(new ChannelBiasUnit(bias, x, net.activation(bias, x.channels(), x.height(), x.width(), tag),
                    bank.get(bias + ".bias").value(), bank.get(bias + ".bias").gradient()));
            int up = t.finalUpsampling();
            if (up > 1) {
                x = net.add(new BilinearUpsampleUnit("output.up", x,
                        net.activation("output.up", x.channels(), x.height() * up, x.width() * up, tag)));
            }
            net.setOutput(x);
            net.setPooled(x);      // a head has no pooled vector; the plans export the output
            return new DenseHeadUnits(net, List.copyOf(sides));
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private static Activation conv(FastNetwork net, ParameterBank bank, ResNetTopology.Conv spec, Activation x, int tag,
            int algorithm) {
        Activation out = net.activation(spec.name(), spec.out(), spec.outputSize(x.height()), spec.outputSize(x.width()), tag);
        return net.add(new ConvUnit(spec, x, out, bank.get(spec.name() + ".weight").value(),
                bank.get(spec.name() + ".weight").gradient(), algorithm, null));
    }

    private static Activation bnRelu(FastNetwork net, ParameterBank bank, String bn, Activation x, int tag) {
        Activation out = net.activation(bn, x.channels(), x.height(), x.width(), tag);
        return net.add(new BatchNormUnit(bn, x, out, true, bank.get(bn + ".weight").value(), bank.get(bn + ".bias").value(),
                bank.get(bn + ".running_mean").value(), bank.get(bn + ".running_var").value(),
                bank.get(bn + ".weight").gradient(), bank.get(bn + ".bias").gradient()));
    }
}
