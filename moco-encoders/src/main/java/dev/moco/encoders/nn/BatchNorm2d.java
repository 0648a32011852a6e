package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Batch normalisation over the channels of an NCHW tensor (Ioffe &amp; Szegedy 2015), with
 * PyTorch's conventions: ε = 1e-5, momentum 0.1, running variance updated with the unbiased
 * batch variance, weight initialised to 1 and bias to 0.
 *
 * <p><b>Training mode with G normalisation groups</b> (shuffle BN, MoCo Sec. 3.3): the batch
 * [N, C, H, W] is split into G contiguous groups of N/G samples, and each group is normalised
 * with its own per-channel mean and (biased) variance over its N/G·H·W values, exactly as G
 * separate devices would. The output equals running the G chunks through separate forwards.
 * The running statistics are updated once per forward with the <i>mean over groups</i> of the
 * groups' means and unbiased variances:
 * {@code running ← (1 − 0.1)·running + 0.1·mean_g(stat_g)} (for G = 1 this is PyTorch's update;
 * for G &gt; 1 it is the average of what the G replicas would hold after one step).
 *
 * <p><b>Inference mode</b>: y = (x − running_mean)/√(running_var + ε)·weight + bias.
 *
 * <p>Tensors: {@code <name>.weight}, {@code <name>.bias} [C] (trainable) and
 * {@code <name>.running_mean}, {@code <name>.running_var} [C] (buffers). PyTorch's
 * {@code num_batches_tracked} is not kept (momentum is fixed).
 */
public final class BatchNorm2d implements Layer {

    /** PyTorch's default ε. */
    public static final double EPSILON = 1e-5;
    /** PyTorch's default momentum: weight of the new batch statistic. */
    public static final double MOMENTUM = 0.1;

    private final String name;
    private final int channels;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter runningMean;
    private final Parameter runningVar;

    public BatchNorm2d(ParameterBank bank, String name, int channels) {
        this.name = name;
        this.channels = channels;
        long[] shape = {channels};
        this.weight = bank.register(name + ".weight", shape, Parameter.Kind.TRAINABLE, Initializer.ones());
        this.bias = bank.register(name + ".bias", shape, Parameter.Kind.TRAINABLE, Initializer.zeros());
        this.runningMean = bank.register(name + ".running_mean", shape, Parameter.Kind.BUFFER, Initializer.zeros());
        this.runningVar = bank.register(name + ".running_var", shape, Parameter.Kind.BUFFER, Initializer.ones());
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public Parameter runningMean() {
        return runningMean;
    }

    public Parameter runningVar() {
        return runningVar;
    }

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        if (input.rank() != 4 || input.size(1) != channels) {
            throw new IllegalArgumentException("batch norm '" + name + "' expects [N, " + channels + ", H, W] but got "
                    + java.util.Arrays.toString(input.shape()));
        }
        return mode != Encoder.Mode.INFERENCE
                ? forwardTraining(input, normalizationGroups)
                : LayerPass.inferenceOnly(forwardInference(input), name);
    }

    private INDArray forwardInference(INDArray input) {
        INDArray scale = Transforms.sqrt(runningVar.value().add(EPSILON), false).rdivi(1.0).muli(weight.value());
        INDArray shift = bias.value().sub(runningMean.value().mul(scale));
        return input.mul(scale.reshape(1, channels, 1, 1)).addi(shift.reshape(1, channels, 1, 1));
    }

    private LayerPass forwardTraining(INDArray input, int groups) {
        long n = input.size(0);
        Encoder.requireGroupsDivideBatch(groups, n);
        long perGroup = n / groups;
        long count = perGroup * input.size(2) * input.size(3);
        if (count < 2) {
            throw new IllegalArgumentException("batch norm '" + name + "' needs more than one value per channel and group"
                    + " in training mode, got " + perGroup + " sample(s) of " + input.size(2) + "x" + input.size(3));
        }
        // [G, N/G, C, H, W]: each (group, channel) is normalised over dimensions 1, 3 and 4.
        long[] grouped = {groups, perGroup, channels, input.size(2), input.size(3)};
        long[] perGroupChannel = {groups, 1, channels, 1, 1};
        long[] perChannel = {1, 1, channels, 1, 1};
        INDArray x = input.reshape('c', grouped);
        INDArray mean = x.mean(1, 3, 4);                                                  // [G, C]
        INDArray normalized = x.sub(mean.reshape(perGroupChannel));                     // x − μ
        INDArray variance = Nd4j.getExecutioner().exec(new SquaredNorm(normalized, 1, 3, 4)).divi(count); // biased
        INDArray inverseStd = Transforms.sqrt(variance.add(EPSILON), false).rdivi(1.0);  // 1/√(σ² + ε)
        normalized.muli(inverseStd.reshape(perGroupChannel));                           // x̂
        INDArray output = normalized.mul(weight.value().reshape(perChannel))
                .addi(bias.value().reshape(perChannel))
                .reshape('c', input.shape());

        double unbiased = (double) count / (count - 1);
        runningMean.value().muli(1 - MOMENTUM).addi(mean.mean(0).muli(MOMENTUM));
        runningVar.value().muli(1 - MOMENTUM).addi(variance.mean(0).muli(MOMENTUM * unbiased));

        return new LayerPass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public INDArray backward(INDArray outputGradient) {
                INDArray dy = outputGradient.reshape('c', grouped);
                INDArray product = dy.mul(normalized);
                INDArray sumDyXhat = product.sum(1, 3, 4);                                 // Σ dy·x̂, [G, C]
                product.close();
                INDArray sumDy = dy.sum(1, 3, 4);                                          // Σ dy, [G, C]
                weight.gradient().addi(sumDyXhat.sum(0));
                bias.gradient().addi(sumDy.sum(0));
                // dx = γ/√(σ²+ε) · (dy − Σdy/m − x̂·Σ(dy·x̂)/m), per group and channel
                INDArray inputGradient = normalized.mul(sumDyXhat.divi(-count).reshape(perGroupChannel))
                        .addi(dy)
                        .subi(sumDy.divi(count).reshape(perGroupChannel))
                        .muli(inverseStd.mul(weight.value().reshape(1, channels)).reshape(perGroupChannel));
                return inputGradient.reshape('c', input.shape());
            }
        };
    }

    @Override
    public String toString() {
        return "BatchNorm2d(" + name + ": " + channels + ")";
    }
}
