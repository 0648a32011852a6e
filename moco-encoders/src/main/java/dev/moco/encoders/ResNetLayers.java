package dev.moco.encoders;

import dev.moco.encoders.nn.BatchNorm2d;
import dev.moco.encoders.nn.Conv2d;
import dev.moco.encoders.nn.GlobalAveragePool;
import dev.moco.encoders.nn.Layer;
import dev.moco.encoders.nn.Linear;
import dev.moco.encoders.nn.MaxPool2d;
import dev.moco.encoders.nn.ParameterBank;
import dev.moco.encoders.nn.Relu;
import dev.moco.encoders.nn.ResidualBlock;
import dev.moco.encoders.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ResNetTopology} as reference layers: stem, one {@link Sequential} of residual blocks
 * per stage, global pooling, head. Building registers every tensor in the bank in forward
 * order (conv weight; BN weight, bias, running mean, running variance; ...; head), and that
 * registration order <i>is</i> the flat parameter layout of both implementations: the fast
 * encoder registers its tensors through this same build, so their vectors are equal element
 * for element and a weights file of one loads into the other.
 *
 * @param stem conv–BN–ReLU (–max-pool)
 * @param stages one layer per stage, mapping the previous stage's output to this one's
 * @param pool global average pooling to [N, representationDimension]
 * @param head the projection head, or null for none
 */
public record ResNetLayers(Layer stem, List<Layer> stages, Layer pool, Layer head) {

    /** Registers the topology's tensors in {@code bank} (not yet allocated) and returns its layers. */
    public static ResNetLayers build(ResNetTopology topology, ParameterBank bank) {
        List<Layer> stemLayers = new ArrayList<>(convBn(bank, topology.stem().convBn()));
        if (topology.stem().maxPool()) {
            stemLayers.add(new MaxPool2d(ResNetTopology.Stem.POOL_KERNEL, ResNetTopology.Stem.POOL_STRIDE,
                    ResNetTopology.Stem.POOL_PADDING));
        }
        List<Layer> stages = new ArrayList<>();
        for (List<ResNetTopology.Block> stage : topology.stages()) {
            List<Layer> blocks = new ArrayList<>();
            for (ResNetTopology.Block block : stage) {
                blocks.add(block(bank, block));
            }
            stages.add(new Sequential(blocks));
        }
        List<Layer> head = new ArrayList<>();
        for (ResNetTopology.Dense d : topology.head()) {
            if (!head.isEmpty()) {
                head.add(new Relu());
            }
            head.add(new Linear(bank, d.name(), d.in(), d.out()));
        }
        return new ResNetLayers(new Sequential(stemLayers), stages, new GlobalAveragePool(),
                head.isEmpty() ? null : new Sequential(head));
    }

    /** One residual block of the topology as a reference layer, its tensors registered in {@code bank}. */
    public static ResidualBlock block(ParameterBank bank, ResNetTopology.Block block) {
        List<Layer> residual = new ArrayList<>();
        for (ResNetTopology.ConvBn c : block.residual()) {
            residual.addAll(convBn(bank, c));
        }
        ResNetTopology.ConvBn s = block.shortcut();
        return new ResidualBlock(block.name(), new Sequential(residual), s == null ? null : new Sequential(convBn(bank, s)));
    }

    private static List<Layer> convBn(ParameterBank bank, ResNetTopology.ConvBn c) {
        ResNetTopology.Conv conv = c.conv();
        List<Layer> layers = new ArrayList<>(List.of(
                new Conv2d(bank, conv.name(), conv.in(), conv.out(), conv.kernel(), conv.stride(), conv.padding(),
                        conv.dilation()),
                new BatchNorm2d(bank, c.bn(), conv.out())));
        if (c.relu()) {
            layers.add(new Relu());
        }
        return layers;
    }
}
