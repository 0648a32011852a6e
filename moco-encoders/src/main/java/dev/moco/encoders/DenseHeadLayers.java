package dev.moco.encoders;

import dev.moco.encoders.nn.BatchNorm2d;
import dev.moco.encoders.nn.BilinearUpsample;
import dev.moco.encoders.nn.ChannelBias;
import dev.moco.encoders.nn.Conv2d;
import dev.moco.encoders.nn.Layer;
import dev.moco.encoders.nn.ParameterBank;
import dev.moco.encoders.nn.Relu;
import dev.moco.encoders.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DenseHeadTopology} as reference layers. Building registers every tensor in the bank
 * in forward order (the laterals' weights, fuse BN, tower conv and BN, prediction conv, bias),
 * and that registration order <i>is</i> the flat layout of both head implementations: the fast
 * head registers its tensors through this same build, as the fast encoder does through
 * {@link ResNetLayers}.
 *
 * @param laterals per read stage ({@link DenseHeadTopology#readStages()} order): 1×1 conv, then
 *     bilinear upsampling to the fusion stride where the stage is coarser
 * @param tower from the summed laterals to the output: BN, ReLU, 3×3 conv, BN, ReLU, 1×1 conv,
 *     bias, and the final upsampling when the topology has one
 */
public record DenseHeadLayers(List<Layer> laterals, Layer tower) {

    public DenseHeadLayers {
        laterals = List.copyOf(laterals);
    }

    /** Registers the topology's tensors in {@code bank} (not yet allocated) and returns its layers. */
    public static DenseHeadLayers build(DenseHeadTopology t, ParameterBank bank) {
        List<Layer> laterals = new ArrayList<>();
        for (int s : t.readStages()) {
            Layer lateral = conv(bank, t.lateral(s));
            laterals.add(t.lateralFactor(s) == 1 ? lateral : new Sequential(lateral, BilinearUpsample.byScale(t.lateralFactor(s))));
        }
        List<Layer> tower = new ArrayList<>(List.of(
                new BatchNorm2d(bank, t.fusionNorm(), t.width()), new Relu(),
                conv(bank, t.tower()), new BatchNorm2d(bank, t.towerNorm(), t.width()), new Relu(),
                conv(bank, t.prediction()),
                new ChannelBias(bank, t.predictionBias(), t.outputBias())));
        if (t.finalUpsampling() > 1) {
            tower.add(BilinearUpsample.byScale(t.finalUpsampling()));
        }
        return new DenseHeadLayers(laterals, new Sequential(tower));
    }

    private static Conv2d conv(ParameterBank bank, ResNetTopology.Conv c) {
        return new Conv2d(bank, c.name(), c.in(), c.out(), c.kernel(), c.stride(), c.padding(), c.dilation());
    }
}
