package dev.moco.encoders;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The residual network backbones (He et al., "Deep Residual Learning for Image Recognition",
 * CVPR 2016), from the input image to the globally pooled representation.
 *
 * <p><b>Small-input family</b> (Sec. 4.2, CIFAR-10; for 28×28 and 32×32 images): depth 6n+2;
 * {@code conv1} 3×3/1 to 16k channels + {@code bn1} + ReLU (no max-pool); three stages
 * {@code layer1..3} of n basic blocks with 16k, 32k, 64k channels, the first block of stages 2
 * and 3 with stride 2; global average pooling; representation 64k. The paper's CIFAR nets use
 * the parameter-free shortcut (option A); here shape-changing shortcuts are option B (1×1
 * strided conv + BN, {@code downsample.0/1}), as the PyTorch MoCo CIFAR ports do.
 *
 * <p><b>ImageNet family</b> (Table 1, torchvision layout): {@code conv1} 7×7/2 to 64k channels
 * + {@code bn1} + ReLU + 3×3/2 max-pool; four stages {@code layer1..4} (64k…512k basic-block
 * channels, or bottleneck widths 64k…512k with 4× expansion, stride on the 3×3 as torchvision
 * v1.5); global average pooling; representation 512k (basic) or 2048k (bottleneck). With k = 1
 * and a 1000-way {@code fc} the parameter counts are torchvision's (ResNet-18: 11,689,512;
 * ResNet-50: 25,557,032).
 */
public enum ResNetArchitecture {
    RESNET20(Family.SMALL_INPUT, false, 3, 3, 3),
    RESNET32(Family.SMALL_INPUT, false, 5, 5, 5),
    RESNET44(Family.SMALL_INPUT, false, 7, 7, 7),
    RESNET56(Family.SMALL_INPUT, false, 9, 9, 9),
    RESNET110(Family.SMALL_INPUT, false, 18, 18, 18),
    RESNET18(Family.IMAGENET, false, 2, 2, 2, 2),
    RESNET34(Family.IMAGENET, false, 3, 4, 6, 3),
    RESNET50(Family.IMAGENET, true, 3, 4, 6, 3),
    RESNET101(Family.IMAGENET, true, 3, 4, 23, 3);

    /** Which stem and stage widths. */
    public enum Family { SMALL_INPUT, IMAGENET }

    private final Family family;
    private final boolean bottleneck;
    private final int[] blocksPerStage;

    ResNetArchitecture(Family family, boolean bottleneck, int... blocksPerStage) {
        this.family = family;
        this.bottleneck = bottleneck;
        this.blocksPerStage = blocksPerStage;
    }

    /** The architecture called {@code name} (case-insensitive, e.g. {@code resnet20}). */
    public static ResNetArchitecture byName(String name) {
        if (name != null) {
            for (ResNetArchitecture a : values()) {
                if (a.displayName().equalsIgnoreCase(name.trim())) {
                    return a;
                }
            }
        }
        throw new IllegalArgumentException("unknown encoder architecture '" + name + "'; known: "
                + Arrays.stream(values()).map(ResNetArchitecture::displayName).collect(Collectors.joining(", ")));
    }

    /** Lower-case name, e.g. {@code resnet50}. */
    public String displayName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public Family family() {
        return family;
    }

    public boolean bottleneck() {
        return bottleneck;
    }

    /** Blocks in each stage. */
    public int[] blocksPerStage() {
        return blocksPerStage.clone();
    }

    /**
     * The network of {@code spec}: this architecture's stem, stages and blocks at the spec's
     * input channels and width, and the spec's head. The only place the family's layout rules
     * (stem kernel, stage widths, which block strides) are written.
     */
    public ResNetTopology topology(EncoderSpec spec) {
        int k = spec.widthMultiplier();
        int stemWidth = (family == Family.SMALL_INPUT ? 16 : 64) * k;
        ResNetTopology.Conv stemConv = family == Family.SMALL_INPUT
                ? new ResNetTopology.Conv("conv1", spec.inputChannels(), stemWidth, 3, 1, 1, 1)
                : new ResNetTopology.Conv("conv1", spec.inputChannels(), stemWidth, 7, 2, 3, 1);
        ResNetTopology.Stem stem = new ResNetTopology.Stem(new ResNetTopology.ConvBn(stemConv, "bn1", true),
                family == Family.IMAGENET);
        List<List<ResNetTopology.Block>> stages = new ArrayList<>();
        int channels = stemWidth;
        for (int stage = 0; stage < blocksPerStage.length; stage++) {
            int width = stemWidth << stage;
            int out = bottleneck ? width * ResNetTopology.Block.BOTTLENECK_EXPANSION : width;
            List<ResNetTopology.Block> blocks = new ArrayList<>();
            for (int block = 0; block < blocksPerStage[stage]; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                blocks.add(new ResNetTopology.Block("layer" + (stage + 1) + "." + block,
                        bottleneck ? ResNetTopology.BlockKind.BOTTLENECK : ResNetTopology.BlockKind.BASIC,
                        channels, width, out, stride));
                channels = out;
            }
            stages.add(blocks);
        }
        int hidden = spec.headHiddenDimension() == 0 ? channels : spec.headHiddenDimension();
        List<ResNetTopology.Dense> head = switch (spec.head()) {
            case NONE -> List.of();
            case LINEAR -> List.of(new ResNetTopology.Dense("fc", channels, spec.featureDimension()));
            case MLP -> List.of(new ResNetTopology.Dense("head.0", channels, hidden),
                    new ResNetTopology.Dense("head.2", hidden, spec.featureDimension()));
        };
        return new ResNetTopology(spec.inputChannels(), stem, stages, head);
    }
}
