package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D convolution without bias (ResNet convolutions are followed by batch normalisation),
 * NCHW, square kernel, stride, zero padding and dilation; the libnd4j {@code conv2d} and
 * {@code conv2d_bp} ops with weights in PyTorch layout [out, in, kh, kw] (libnd4j
 * weight format 1), so {@code <name>.weight} needs no conversion on export.
 *
 * <p>Output size: ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1, as {@code nn.Conv2d}.
 */
public final class Conv2d implements Layer {

    private static final int NCHW = 0;
    private static final int WEIGHTS_OIHW = 1;
    private static final int EXPLICIT_PADDING = 0;

    private final String name;
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final Parameter weight;

    /**
     * @param name prefix of the parameter name ({@code name + ".weight"})
     */
    public Conv2d(ParameterBank bank, String name, int inChannels, int outChannels, int kernel, int stride, int padding) {
        this(bank, name, inChannels, outChannels, kernel, stride, padding, 1);
    }

    /** A dilated ("atrous") convolution: kernel taps {@code dilation} pixels apart. */
    public Conv2d(ParameterBank bank, String name, int inChannels, int outChannels, int kernel, int stride, int padding,
                  int dilation) {
        if (inChannels <= 0 || outChannels <= 0 || kernel <= 0 || stride <= 0 || padding < 0 || dilation <= 0) {
            throw new IllegalArgumentException("conv '" + name + "': invalid configuration in=" + inChannels + " out="
                    + outChannels + " kernel=" + kernel + " stride=" + stride + " padding=" + padding
                    + " dilation=" + dilation);
        }
        this.dilation = dilation;
        this.name = name;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = bank.register(name + ".weight", new long[] {outChannels, inChannels, kernel, kernel},
                Parameter.Kind.TRAINABLE, Initializer.kaimingNormalFanOut((long) outChannels * kernel * kernel));
    }

    public Parameter weight() {
        return weight;
    }

    public int outChannels() {
        return outChannels;
    }

    /** Output height (or width) for an input of height (or width) {@code size}. */
    public long outputSize(long size) {
        return (size + 2L * padding - (long) dilation * (kernel - 1) - 1) / stride + 1;
    }

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        if (input.rank() != 4 || input.size(1) != inChannels) {
            throw new IllegalArgumentException("conv '" + name + "' expects [N, " + inChannels + ", H, W] but got "
                    + java.util.Arrays.toString(input.shape()));
        }
        INDArray w = weight.value();
        INDArray output = Nd4j.createUninitialized(w.dataType(),
                input.size(0), outChannels, outputSize(input.size(2)), outputSize(input.size(3)));
        Nd4j.exec(DynamicCustomOp.builder("conv2d")
                .addInputs(input, w)
                .addOutputs(output)
                .addIntegerArguments(arguments())
                .build());
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
                INDArray inputGradient = Nd4j.createUninitialized(w.dataType(), input.shape());
                INDArray weightGradient = Nd4j.createUninitialized(w.dataType(), w.shape());
                Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                        .addInputs(input, w, outputGradient)
                        .addOutputs(inputGradient, weightGradient)
                        .addIntegerArguments(arguments())
                        .build());
                weight.gradient().addi(weightGradient);
                weightGradient.close();
                return inputGradient;
            }
        };
    }

    private int[] arguments() {
        return new int[] {kernel, kernel, stride, stride, padding, padding, dilation, dilation, EXPLICIT_PADDING, NCHW, WEIGHTS_OIHW};
    }

    @Override
    public String toString() {
        return "Conv2d(" + name + ": " + inChannels + "→" + outChannels + ", k" + kernel + " s" + stride + " p" + padding + (dilation > 1 ? " d" + dilation : "") + ")";
    }
}
