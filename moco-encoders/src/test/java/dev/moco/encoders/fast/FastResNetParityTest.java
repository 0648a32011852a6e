package dev.moco.encoders.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.NamedParameters;
import dev.moco.encoders.ResNetEncoder;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fast (oneDNN) ResNet against the reference encoder ({@link ResNetEncoder}, explicit ND4J
 * layers with finite-difference-checked backward): same weights copied by name, equal outputs,
 * parameter gradients and BN running statistics within float tolerance, in training mode
 * (shuffle-BN groups 1 and 8), training without gradient (the key encoder) and inference mode.
 *
 * <p>The ground truth is the reference in DOUBLE: with 8 groups of 2 images the batch
 * statistics of the 7×7 stage are over 98 values, and the float reference itself is then only
 * within ~1e-2 of the exact gradients (cancellation in the BN backward), while the fast path,
 * which accumulates in oneDNN's kernels, stays within ~1e-5.
 */
class FastResNetParityTest {

    private static final double TOLERANCE = 1e-3;

    @BeforeAll
    static void oneDnnLoads() {
        Assumptions.assumeTrue(FastResNet.isAvailable(), FastResNet::unavailableReason);
    }

    private static EncoderSpec spec(int channels, HeadType head) {
        return EncoderSpec.of("resnet20").withInputChannels(channels).withHead(head).withSeed(7);
    }

    /** The double-precision reference with the fast encoder's weights and buffers. */
    private static ResNetEncoder referenceOf(FastResNet fast, EncoderSpec spec) {
        ResNetEncoder reference = Encoders.create(spec.withDataType(DataType.DOUBLE));
        NamedParameters.copy(fast, reference);
        return reference;
    }

    private static double relativeError(INDArray actual, INDArray expected) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        double diff = actual.castTo(DataType.DOUBLE).sub(e).norm2Number().doubleValue();
        return diff / Math.max(1e-12, e.norm2Number().doubleValue());
    }

    private static void assertClose(Map<String, INDArray> actual, Map<String, INDArray> expected, String what) {
        assertClose(actual, expected, what, TOLERANCE);
    }

    private static void assertClose(Map<String, INDArray> actual, Map<String, INDArray> expected, String what,
                                    double tolerance) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<String, INDArray> e : expected.entrySet()) {
            assertThat(relativeError(actual.get(e.getKey()), e.getValue()))
                    .as("%s of %s", what, e.getKey()).isLessThan(tolerance);
        }
    }

    @Test
    void startsFromTheReferenceInitialisationOfTheSameSpec() {
        EncoderSpec spec = spec(1, HeadType.MLP);
        FastResNet fast = FastResNet.create(spec);
        ResNetEncoder reference = Encoders.create(spec);
        assertThat(fast.parameters().length()).isEqualTo(reference.parameters().length());
        assertThat(fast.namedTensors().keySet()).containsExactlyElementsOf(reference.namedTensors().keySet());
        assertThat(fast.parameters()).isEqualTo(reference.parameters());
        assertThat(fast.buffers()).isEqualTo(reference.buffers());
    }

    @ParameterizedTest(name = "normalizationGroups = {0}")
    @ValueSource(ints = {1, 8})
    void trainingOutputGradientsAndRunningStatisticsMatchTheReference(int groups) {
        EncoderSpec spec = spec(1, HeadType.MLP);
        FastResNet fast = FastResNet.create(spec);
        ResNetEncoder reference = referenceOf(fast, spec);
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.FLOAT, 16, 1, 28, 28);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 16, 128);

        Encoder.Pass f = fast.forward(x, Encoder.Mode.TRAINING, groups);
        Encoder.Pass r = reference.forward(x.castTo(DataType.DOUBLE), Encoder.Mode.TRAINING, groups);
        assertThat(relativeError(f.output(), r.output())).isLessThan(TOLERANCE);

        f.backward(dy);
        r.backward(dy.castTo(DataType.DOUBLE));
        assertClose(fast.namedGradients(), reference.namedGradients(), "gradient");
        assertClose(fast.namedTensors(), reference.namedTensors(), "tensor (running statistics)");

        // the key encoder's mode: batch statistics and running-statistics update, no backward
        INDArray keys = Nd4j.randn(DataType.FLOAT, 16, 1, 28, 28);
        Encoder.Pass fk = fast.forward(keys, Encoder.Mode.TRAINING_WITHOUT_GRADIENT, groups);
        Encoder.Pass rk = reference.forward(keys.castTo(DataType.DOUBLE), Encoder.Mode.TRAINING_WITHOUT_GRADIENT, groups);
        assertThat(relativeError(fk.output(), rk.output())).isLessThan(TOLERANCE);
        assertClose(fast.namedTensors(), reference.namedTensors(), "tensor after a no-gradient pass");
    }

    /**
     * Uniform [0, 1) RGB-like input. The gradient tolerance is looser here: with non-centred
     * inputs a few hundred thousand ReLU inputs lie within float rounding of zero, and about one
     * of them typically lands on the other side of the kink than in the double computation;
     * that one masked element shifts every gradient below it by ~1/√(N·H·W) relatively (up to
     * ~1e-2 measured, for the float reference as for this path). Forward outputs stay ~1e-6.
     */
    @ParameterizedTest(name = "head = {0}")
    @ValueSource(strings = {"LINEAR", "NONE"})
    void threeChannel32x32ImagesWithOtherHeadsMatchTheReference(String head) {
        EncoderSpec spec = spec(3, HeadType.valueOf(head));
        FastResNet fast = FastResNet.create(spec);
        ResNetEncoder reference = referenceOf(fast, spec);
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 32, 32);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 8, fast.outputDimension());

        Encoder.Pass f = fast.forward(x, Encoder.Mode.TRAINING, 2);
        Encoder.Pass r = reference.forward(x.castTo(DataType.DOUBLE), Encoder.Mode.TRAINING, 2);
        assertThat(relativeError(f.output(), r.output())).isLessThan(TOLERANCE);
        f.backward(dy);
        r.backward(dy.castTo(DataType.DOUBLE));
        assertThat(relativeError(fast.gradients(), reference.gradients())).isLessThan(1e-2);
        assertClose(fast.namedGradients(), reference.namedGradients(), "gradient", 3e-2);
    }

    @Test
    void inferenceUsesTheRunningStatisticsLikeTheReference() {
        EncoderSpec spec = spec(1, HeadType.MLP);
        FastResNet fast = FastResNet.create(spec);
        Nd4j.getRandom().setSeed(13);
        for (Map.Entry<String, INDArray> e : fast.namedTensors().entrySet()) {
            if (e.getKey().endsWith("running_mean")) {
                e.getValue().assign(Nd4j.randn(DataType.FLOAT, e.getValue().shape()).muli(0.1));
            } else if (e.getKey().endsWith("running_var")) {
                e.getValue().assign(Nd4j.rand(DataType.FLOAT, e.getValue().shape()).addi(0.5));
            }
        }
        ResNetEncoder reference = referenceOf(fast, spec);
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, 1, 28, 28);
        INDArray buffersBefore = fast.buffers().dup();

        Encoder.Pass f = fast.forward(x, Encoder.Mode.INFERENCE);
        Encoder.Pass r = reference.forward(x.castTo(DataType.DOUBLE), Encoder.Mode.INFERENCE);
        assertThat(relativeError(f.output(), r.output())).isLessThan(TOLERANCE);
        assertThat(relativeError(fast.represent(x), reference.represent(x.castTo(DataType.DOUBLE)))).isLessThan(TOLERANCE);
        assertThat(fast.buffers()).isEqualTo(buffersBefore);
        assertThatThrownBy(() -> f.backward(Nd4j.zeros(DataType.FLOAT, 6, 128)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("INFERENCE");
    }

    @Test
    void twoLivePassesBackPropagateInAnyOrderAndAccumulate() {
        EncoderSpec spec = spec(1, HeadType.MLP);
        FastResNet fast = FastResNet.create(spec);
        ResNetEncoder reference = referenceOf(fast, spec);
        Nd4j.getRandom().setSeed(14);
        INDArray x1 = Nd4j.randn(DataType.FLOAT, 8, 1, 28, 28);
        INDArray x2 = Nd4j.randn(DataType.FLOAT, 8, 1, 28, 28);
        INDArray dy1 = Nd4j.randn(DataType.FLOAT, 8, 128);
        INDArray dy2 = Nd4j.randn(DataType.FLOAT, 8, 128);

        Encoder.Pass f1 = fast.forward(x1, Encoder.Mode.TRAINING, 2);
        Encoder.Pass f2 = fast.forward(x2, Encoder.Mode.TRAINING, 2);
        Encoder.Pass r1 = reference.forward(x1.castTo(DataType.DOUBLE), Encoder.Mode.TRAINING, 2);
        Encoder.Pass r2 = reference.forward(x2.castTo(DataType.DOUBLE), Encoder.Mode.TRAINING, 2);
        assertThat(relativeError(f1.output(), r1.output())).isLessThan(TOLERANCE);
        assertThat(relativeError(f2.output(), r2.output())).isLessThan(TOLERANCE);
        f2.backward(dy2);
        f1.backward(dy1);
        r1.backward(dy1.castTo(DataType.DOUBLE));
        r2.backward(dy2.castTo(DataType.DOUBLE));
        assertClose(fast.namedGradients(), reference.namedGradients(), "accumulated gradient");

        fast.zeroGradients();
        assertThat(fast.gradients().norm2Number().doubleValue()).isZero();
        assertThatThrownBy(() -> f1.backward(dy1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already");
    }

    @Test
    void trainingWithoutGradientComputesTheTrainingOutputAndUpdatesRunningStatistics() {
        FastResNet fast = FastResNet.create(spec(1, HeadType.MLP));
        FastResNet twin = fast.copy();
        INDArray x = Nd4j.randn(DataType.FLOAT, 8, 1, 28, 28);
        Encoder.Pass keys = fast.forward(x, Encoder.Mode.TRAINING_WITHOUT_GRADIENT, 4);
        Encoder.Pass trained = twin.forward(x, Encoder.Mode.TRAINING, 4);
        assertThat(keys.output()).isEqualTo(trained.output());
        assertThat(fast.buffers()).isEqualTo(twin.buffers());
        assertThatThrownBy(() -> keys.backward(Nd4j.zeros(DataType.FLOAT, 8, 128)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("TRAINING_WITHOUT_GRADIENT");
    }

    @Test
    void copyIsDeepAndEqual() {
        FastResNet fast = FastResNet.create(spec(1, HeadType.MLP));
        FastResNet copy = fast.copy();
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 1, 28, 28);
        assertThat(copy.forward(x, Encoder.Mode.INFERENCE).output()).isEqualTo(fast.forward(x, Encoder.Mode.INFERENCE).output());
        copy.parameters().addi(1.0);
        assertThat(copy.parameters()).isNotEqualTo(fast.parameters());
    }

    @Test
    void aPassBeyondTheLiveLimitIsRecycledWithAClearError() {
        FastResNet fast = new FastResNet(FastResNetConfig.from(spec(1, HeadType.MLP)), 1);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 1, 28, 28);
        Encoder.Pass first = fast.forward(x, Encoder.Mode.TRAINING);
        Encoder.Pass second = fast.forward(x, Encoder.Mode.TRAINING);
        assertThatThrownBy(() -> first.backward(Nd4j.zeros(DataType.FLOAT, 4, 128)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("maxLivePasses");
        second.backward(Nd4j.ones(DataType.FLOAT, 4, 128));
        assertThat(fast.gradients().norm2Number().doubleValue()).isPositive();
    }

    @Test
    void rejectsBadInputsAndUnsupportedSpecs() {
        FastResNet fast = FastResNet.create(spec(1, HeadType.MLP));
        assertThatThrownBy(() -> fast.forward(Nd4j.zeros(DataType.FLOAT, 6, 1, 28, 28), Encoder.Mode.TRAINING, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("divide the batch of 6");
        assertThatThrownBy(() -> fast.forward(Nd4j.zeros(DataType.FLOAT, 4, 3, 28, 28), Encoder.Mode.TRAINING))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, 1, H, W]");
        assertThatThrownBy(() -> FastResNetConfig.from(EncoderSpec.of("resnet50")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("small-input");
        assertThatThrownBy(() -> FastResNetConfig.from(EncoderSpec.of("resnet20").withDataType(DataType.DOUBLE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FLOAT");
    }
}
