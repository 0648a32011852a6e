package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * y = relu(F(x) + S(x)) with S the identity or a projection shortcut (He et al. 2016).
 * The backward sends the gradient after the ReLU to both branches and adds their input
 * gradients.
 *
 * <p>Which branches a ResNet block has is the topology's business
 * ({@code dev.moco.encoders.ResNetTopology.Block}); this layer only joins them.
 */
public final class ResidualBlock implements Layer {

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
