package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Max pooling, NCHW, square window, padding that never wins the max (as {@code nn.MaxPool2d},
 * ceil_mode off); the libnd4j {@code maxpool2d} / {@code maxpool2d_bp} ops. The ImageNet
 * ResNet stem uses kernel 3, stride 2, padding 1.
 */
public final class MaxPool2d implements Layer {

    private final int kernel;
    private final int stride;
    private final int padding;

    public MaxPool2d(int kernel, int stride, int padding) {
        if (kernel <= 0 || stride <= 0 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException("max pool: invalid kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    /** Output height (or width) for an input of height (or width) {@code size}. */
    public long outputSize(long size) {
        return (size + 2L * padding - kernel) / stride + 1;
    }

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("max pool expects [N, C, H, W] but got " + java.util.Arrays.toString(input.shape()));
        }
        INDArray output = Nd4j.createUninitialized(input.dataType(),
                input.size(0), input.size(1), outputSize(input.size(2)), outputSize(input.size(3)));
        Nd4j.exec(DynamicCustomOp.builder("maxpool2d").addInputs(input).addOutputs(output)
                .addIntegerArguments(arguments()).build());
        if (mode == Encoder.Mode.INFERENCE) {
            return LayerPass.inferenceOnly(output, toString());
        }
        return new LayerPass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public INDArray backward(INDArray outputGradient) {
                INDArray inputGradient = Nd4j.createUninitialized(input.dataType(), input.shape());
                Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(input, outputGradient)
                        .addOutputs(inputGradient).addIntegerArguments(arguments()).build());
                return inputGradient;
            }
        };
    }

    private int[] arguments() {
        // kH, kW, sH, sW, pH, pW, dH, dW, same mode (0: explicit padding), extra param, data format (0: NCHW)
        return new int[] {kernel, kernel, stride, stride, padding, padding, 1, 1, 0, 0, 0};
    }

    @Override
    public String toString() {
        return "MaxPool2d(k" + kernel + " s" + stride + " p" + padding + ")";
    }
}
