package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * y = relu(F(x) + S(x)) with S the identity or a projection shortcut (He et al. 2016).
 * The backward sends the gradient after the ReLU to both branches and adds their input
 * gradients.
 *
 * <p>{@link #basic} is the two-3×3 block of ResNet-18/34 and the CIFAR ResNets;
 * {@link #bottleneck} the 1×1–3×3–1×1 block of ResNet-50 with the stride on the 3×3
 * (torchvision "v1.5"). When the shape changes the shortcut is option B: a 1×1 strided
 * convolution followed by batch normalisation, named {@code <prefix>.downsample.0} and
 * {@code <prefix>.downsample.1} as in torchvision.
 */
public final class ResidualBlock implements Layer {

    /** Output channels of a bottleneck block per channel of its 3×3 convolution. */
    public static final int BOTTLENECK_EXPANSION = 4;

    private final String name;
    private final Layer residual;
    private final Layer shortcut;

    /**
     * @param residual F, the main branch
     * @param shortcut S, or {@code null} for the identity
     */
    public ResidualBlock(String name, Layer residual, Layer shortcut) {
        this.name = name;
        this.residual = residual;
        this.shortcut = shortcut;
    }

    /** conv3x3(stride)–BN–ReLU–conv3x3–BN, plus shortcut; {@code in → out} channels. */
    public static ResidualBlock basic(ParameterBank bank, String prefix, int in, int out, int stride) {
        Layer residual = new Sequential(
                new Conv2d(bank, prefix + ".conv1", in, out, 3, stride, 1),
                new BatchNorm2d(bank, prefix + ".bn1", out),
                new Relu(),
                new Conv2d(bank, prefix + ".conv2", out, out, 3, 1, 1),
                new BatchNorm2d(bank, prefix + ".bn2", out));
        return new ResidualBlock(prefix, residual, projectionIfNeeded(bank, prefix, in, out, stride));
    }

    /**
     * conv1x1–BN–ReLU–conv3x3(stride)–BN–ReLU–conv1x1–BN, plus shortcut;
     * {@code in → width·4} channels.
     */
    public static ResidualBlock bottleneck(ParameterBank bank, String prefix, int in, int width, int stride) {
        int out = width * BOTTLENECK_EXPANSION;
        Layer residual = new Sequential(
                new Conv2d(bank, prefix + ".conv1", in, width, 1, 1, 0),
                new BatchNorm2d(bank, prefix + ".bn1", width),
                new Relu(),
                new Conv2d(bank, prefix + ".conv2", width, width, 3, stride, 1),
                new BatchNorm2d(bank, prefix + ".bn2", width),
                new Relu(),
                new Conv2d(bank, prefix + ".conv3", width, out, 1, 1, 0),
                new BatchNorm2d(bank, prefix + ".bn3", out));
        return new ResidualBlock(prefix, residual, projectionIfNeeded(bank, prefix, in, out, stride));
    }

    private static Layer projectionIfNeeded(ParameterBank bank, String prefix, int in, int out, int stride) {
        if (stride == 1 && in == out) {
            return null;
        }
        return new Sequential(
                new Conv2d(bank, prefix + ".downsample.0", in, out, 1, stride, 0),
                new BatchNorm2d(bank, prefix + ".downsample.1", out));
    }

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        LayerPass main = residual.forward(input, mode, normalizationGroups);
        LayerPass side = shortcut == null ? null : shortcut.forward(input, mode, normalizationGroups);
        INDArray sum = main.output().add(side == null ? input : side.output());
        INDArray output = Transforms.relu(sum, false);
        if (mode == Encoder.Mode.INFERENCE) {
            return LayerPass.inferenceOnly(output, name);
        }
        return new LayerPass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public INDArray backward(INDArray outputGradient) {
                INDArray sumGradient = Relu.backward(output, outputGradient);
                INDArray inputGradient = main.backward(sumGradient);
                return inputGradient.addi(side == null ? sumGradient : side.backward(sumGradient));
            }
        };
    }

    @Override
    public String toString() {
        return "ResidualBlock(" + name + ")";
    }
}
