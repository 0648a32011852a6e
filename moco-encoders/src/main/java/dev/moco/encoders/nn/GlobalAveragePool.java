package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Mean over the spatial dimensions: [N, C, H, W] → [N, C] ({@code adaptive_avg_pool2d(1)} + flatten). */
public final class GlobalAveragePool implements Layer {

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("global average pool expects [N, C, H, W] but got "
                    + java.util.Arrays.toString(input.shape()));
        }
        INDArray output = input.mean(2, 3);
        if (mode == Encoder.Mode.INFERENCE) {
            return LayerPass.inferenceOnly(output, "avgpool");
        }
        long[] shape = input.shape();
        return new LayerPass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public INDArray backward(INDArray outputGradient) {
                INDArray perPixel = outputGradient.div(shape[2] * shape[3]).reshape(shape[0], shape[1], 1, 1);
                return Nd4j.zeros(outputGradient.dataType(), shape).addi(perPixel);
            }
        };
    }

    @Override
    public String toString() {
        return "GlobalAveragePool";
    }
}
