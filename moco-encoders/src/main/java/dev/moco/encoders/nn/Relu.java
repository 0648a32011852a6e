package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** max(0, x), elementwise; the backward passes the gradient where the output is positive. */
public final class Relu implements Layer {

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        INDArray output = Transforms.relu(input, true);
        if (mode == Encoder.Mode.INFERENCE) {
            return LayerPass.inferenceOnly(output, "relu");
        }
        return new LayerPass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public INDArray backward(INDArray outputGradient) {
                return Relu.backward(output, outputGradient);
            }
        };
    }

    /** dL/dx given the ReLU's output (positive exactly where the input was) and dL/dy. */
    static INDArray backward(INDArray output, INDArray outputGradient) {
        INDArray inputGradient = Nd4j.createUninitialized(outputGradient.dataType(), outputGradient.shape());
        Nd4j.exec(new ThresholdReluBp(output, outputGradient, inputGradient, 0.0));
        return inputGradient;
    }

    @Override
    public String toString() {
        return "Relu";
    }
}
