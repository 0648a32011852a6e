package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = x + b per channel of an NCHW tensor ({@code <name>.bias} [C]): the bias of a dense
 * head's last 1×1 convolution ({@link Conv2d} has none, since backbone convolutions feed
 * batch normalisation), which carries the class prior of a detection heatmap. The backward
 * adds Σ dy over N, H and W into the bias gradient.
 */
public final class ChannelBias implements Layer {

    private final String name;
    private final int channels;
    private final Parameter bias;

    /** @param initialValues the bias of each channel at initialisation */
    public ChannelBias(ParameterBank bank, String name, double[] initialValues) {
        this.name = name;
        this.channels = initialValues.length;
        double[] init = initialValues.clone();
        Initializer constant = (values, random) -> System.arraycopy(init, 0, values, 0, values.length);
        this.bias = bank.register(name + ".bias", new long[] {channels}, Parameter.Kind.TRAINABLE, constant);
    }

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        if (input.rank() != 4 || input.size(1) != channels) {
            throw new IllegalArgumentException("bias '" + name + "' expects [N, " + channels + ", H, W] but got "
                    + Arrays.toString(input.shape()));
        }
        INDArray output = input.add(bias.value().reshape(1, channels, 1, 1));
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
                bias.gradient().addi(outputGradient.sum(0, 2, 3));
                return outputGradient.dup();
            }
        };
    }

    @Override
    public String toString() {
        return "ChannelBias(" + name + ": " + channels + ")";
    }
}
