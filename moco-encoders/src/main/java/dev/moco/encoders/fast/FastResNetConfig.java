package dev.moco.encoders.fast;

import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.ResNetArchitecture;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The architecture of a {@link FastResNet}: a small-input ("CIFAR") ResNet of depth 6n+2
 * (He et al. 2016, Sec. 4.2: a 3×3 stem, three stages of n basic blocks with widths w, 2w, 4w,
 * no max pooling, 1×1 stride-2 convolution + BN projection shortcuts, global average pooling)
 * followed by a projection head ({@link HeadType}): linear {@code fc} (MoCo v1), a 2-layer MLP
 * with ReLU {@code head.0}/{@code head.2} (MoCo v2, arXiv 2003.04297), or none. The same
 * networks as the reference encoders' small-input family with the same {@link EncoderSpec}.
 *
 * <pre>{@code
 * FastResNetConfig c = FastResNetConfig.resNet20(1, HeadType.MLP, 128);    // 16-32-64, 64-64-128
 * FastResNetConfig d = FastResNetConfig.from(EncoderSpec.of("resnet20").withInputChannels(1));
 * }</pre>
 *
 * @param depth 6n+2 (20, 32, 44, 56, 110)
 * @param baseWidth channels of the stem and the first stage (16 for the CIFAR ResNets); a
 *     multiple of 16
 * @param inputChannels image channels (1 or 3)
 * @param head the projection head
 * @param headHidden hidden width of the MLP head (ignored by the other heads)
 * @param outputDimension feature dimension C of the head's output (ignored for no head: the
 *     output is then the representation)
 * @param seed seeds the initial parameters
 */
public record FastResNetConfig(int depth, int baseWidth, int inputChannels, HeadType head, int headHidden,
                               int outputDimension, long seed) {

    public FastResNetConfig {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("ResNet depth must be 6n+2 with n >= 1 (20, 32, 44, 56, 110), got " + depth);
        }
        if (baseWidth < 16 || baseWidth % 16 != 0) {
            throw new IllegalArgumentException("baseWidth must be a positive multiple of 16 (blocked oneDNN layouts), got " + baseWidth);
        }
        if (inputChannels < 1) {
            throw new IllegalArgumentException("inputChannels must be >= 1, got " + inputChannels);
        }
        if (head == null) {
            throw new IllegalArgumentException("head must be NONE, LINEAR or MLP, got null");
        }
        if (head == HeadType.MLP && headHidden < 1) {
            throw new IllegalArgumentException("headHidden must be >= 1 for an MLP head, got " + headHidden);
        }
        if (outputDimension < 1) {
            throw new IllegalArgumentException("outputDimension must be >= 1, got " + outputDimension);
        }
    }

    /** ResNet-20 (16-32-64); an MLP head is 64-64-{@code outputDimension}; seed 0. */
    public static FastResNetConfig resNet20(int inputChannels, HeadType head, int outputDimension) {
        return new FastResNetConfig(20, 16, inputChannels, head, 64, outputDimension, 0L);
    }

    /**
     * The fast configuration of a reference {@link EncoderSpec}; the encoders built from both
     * have equal initial parameters.
     *
     * @throws IllegalArgumentException saying what the fast path lacks (ImageNet-family or
     *     bottleneck ResNets, data types other than FLOAT)
     */
    public static FastResNetConfig from(EncoderSpec spec) {
        ResNetArchitecture a = spec.resolvedArchitecture();
        if (a.family() != ResNetArchitecture.Family.SMALL_INPUT || a.bottleneck()) {
            throw new IllegalArgumentException("the fast encoder supports the small-input ResNets (resnet20..resnet110), not "
                    + spec.architecture() + "; use the reference encoder");
        }
        if (spec.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("the fast encoder computes in FLOAT, not " + spec.dataType()
                    + "; use the reference encoder");
        }
        int n = a.blocksPerStage()[0];
        int width = 16 * spec.widthMultiplier();
        int representation = 4 * width;
        int hidden = spec.headHiddenDimension() == 0 ? representation : spec.headHiddenDimension();
        return new FastResNetConfig(6 * n + 2, width, spec.inputChannels(), spec.head(), hidden,
                spec.head() == HeadType.NONE ? representation : spec.featureDimension(), spec.seed());
    }

    /** The same architecture with another seed. */
    public FastResNetConfig withSeed(long newSeed) {
        return new FastResNetConfig(depth, baseWidth, inputChannels, head, headHidden, outputDimension, newSeed);
    }

    /** Basic blocks per stage, n = (depth − 2)/6. */
    public int blocksPerStage() {
        return (depth - 2) / 6;
    }

    /**
     * FLOPs (2 per multiply-add) of the convolutions of one forward pass over a batch of
     * {@code batch} images of {@code height}×{@code width}; a backward pass costs about twice as
     * much (data and weight gradients). BN, ReLU, pooling and the head are a few percent on top.
     */
    public double forwardConvolutionFlops(long batch, long height, long width) {
        long h = height;
        long w = width;
        double flops = 2.0 * batch * baseWidth * h * w * inputChannels * 9;
        int in = baseWidth;
        for (int stage = 0; stage < 3; stage++) {
            int out = baseWidth << stage;
            for (int b = 0; b < blocksPerStage(); b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                long oh = (h - 1) / stride + 1;
                long ow = (w - 1) / stride + 1;
                flops += 2.0 * batch * out * oh * ow * (in * 9L + out * 9L + (stride != 1 || in != out ? in : 0));
                in = out;
                h = oh;
                w = ow;
            }
        }
        return flops;
    }

    /** Width of the encoder's output: the feature dimension, or the representation without a head. */
    public int featureDimension() {
        return head == HeadType.NONE ? representationDimension() : outputDimension;
    }

    /** Width of the backbone's output (the representation): 4 × baseWidth. */
    public int representationDimension() {
        return 4 * baseWidth;
    }
}
