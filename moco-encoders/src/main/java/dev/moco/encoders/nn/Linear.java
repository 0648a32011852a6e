package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fully connected layer y = x·Wᵀ + b with {@code <name>.weight} [out, in] and
 * {@code <name>.bias} [out] as {@code nn.Linear}, initialised like PyTorch's default
 * (both U(−1/√in, 1/√in)).
 */
public final class Linear implements Layer {

    private final String name;
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(ParameterBank bank, String name, int inFeatures, int outFeatures) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("linear '" + name + "': invalid sizes " + inFeatures + "→" + outFeatures);
        }
        this.name = name;
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = bank.register(name + ".weight", new long[] {outFeatures, inFeatures}, Parameter.Kind.TRAINABLE,
                Initializer.uniformFanIn(inFeatures));
        this.bias = bank.register(name + ".bias", new long[] {outFeatures}, Parameter.Kind.TRAINABLE,
                Initializer.uniformFanIn(inFeatures));
    }

    public int outFeatures() {
        return outFeatures;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        if (input.rank() != 2 || input.size(1) != inFeatures) {
            throw new IllegalArgumentException("linear '" + name + "' expects [N, " + inFeatures + "] but got "
                    + java.util.Arrays.toString(input.shape()));
        }
        INDArray w = weight.value();
        INDArray output = input.mmul(w.transpose()).addiRowVector(bias.value());
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
                weight.gradient().addi(outputGradient.transpose().mmul(input));
                bias.gradient().addi(outputGradient.sum(0));
                return outputGradient.mmul(w);
            }
        };
    }

    @Override
    public String toString() {
        return "Linear(" + name + ": " + inFeatures + "→" + outFeatures + ")";
    }
}
