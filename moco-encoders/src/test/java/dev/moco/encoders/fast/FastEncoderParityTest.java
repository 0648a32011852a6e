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
 * which accumulates in oneDNN's kernels, stays within ~1e-5 on AVX-512 CPUs.
 *
 * <p>Where a gradient is compared, the bound is also never tighter than what float arithmetic
 * allows on the CPU at hand ({@link #assertGradientsAsCloseAsFloatAllows}): on an AVX2-only
 * CPU, with its kernels' rounding, a ReLU input within float rounding of zero falls on the
 * other side of the kink in most of these tests' seeds, for the float reference as for this
 * path, and every gradient below it then moves by 1e-3 to 2e-2 relatively (measured on AMD
 * EPYC, AVX2: the fast path and the float reference both 3e-3 to 2e-2 from the double one,
 * within 4e-6 of each other where they flip the same input). A wiring or formula error moves
 * a gradient by order one, far above {@value #FLOAT_CEILING}.
 */
class FastEncoderParityTest {

    private static final double TOLERANCE = 1e-3;
    /** How many times the float reference's own error a fast gradient may be off: they flip different kinks. */
    private static final double FLOAT_FACTOR = 4;
    /** No gradient passes further than this from the exact one, whatever float allows. */
    private static final double FLOAT_CEILING = 5e-2;

    @BeforeAll
    static void oneDnnLoads() {
        Assumptions.assumeTrue(FastEncoder.isAvailable(), FastEncoder::unavailableReason);
    }

    private static EncoderSpec spec(int channels, HeadType head) {
        return EncoderSpec.of("resnet20").withInputChannels(channels).withHead(head).withSeed(7);
    }

    /** The double-precision reference with the fast encoder's weights and buffers. */
    private static ResNetEncoder referenceOf(FastEncoder fast, EncoderSpec spec) {
        ResNetEncoder reference = Encoders.create(spec.withDataType(DataType.DOUBLE));
        NamedParameters.copy(fast, reference);
        return reference;
    }

    /** The reference in FLOAT with the fast encoder's weights and buffers: what float arithmetic gets on this CPU. */
    private static ResNetEncoder floatReferenceOf(FastEncoder fast, EncoderSpec spec) {
        ResNetEncoder reference = Encoders.create(spec.withDataType(DataType.FLOAT));
        NamedParameters.copy(fast, reference);
        return reference;
    }

    /**
     * Each gradient of {@code fast} within {@code tolerance} of the exact one, or within
     * {@value #FLOAT_FACTOR} times the float reference's own distance from it where that is
     * larger, and never beyond {@value #FLOAT_CEILING}.
     */
    private static void assertGradientsAsCloseAsFloatAllows(Map<String, INDArray> fast, Map<String, INDArray> floatReference,
                                                            Map<String, INDArray> exact, String what, double tolerance) {
        assertThat(fast.keySet()).containsExactlyElementsOf(exact.keySet());
        for (Map.Entry<String, INDArray> e : exact.entrySet()) {
            double floatError = relativeError(floatReference.get(e.getKey()), e.getValue());
            double bound = Math.min(FLOAT_CEILING, Math.max(tolerance, FLOAT_FACTOR * floatError));
            assertThat(relativeError(fast.get(e.getKey()), e.getValue()))
                    .as("%s of %s (the float reference is %.1e from the exact one)", what, e.getKey(), floatError)
                    .isLessThan(bound);
        }
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
        FastEncoder fast = FastEncoder.create(spec);
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
        FastEncoder fast = FastEncoder.create(spec);
        ResNetEncoder reference = referenceOf(fast, spec);
        ResNetEncoder floatReference = floatReferenceOf(fast, spec);
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.FLOAT, 16, 1, 28, 28);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 16, 128);

        Encoder.Pass f = fast.forward(x, Encoder.Mode.TRAINING, groups);
        Encoder.Pass r = reference.forward(x.castTo(DataType.DOUBLE), Encoder.Mode.TRAINING, groups);
        assertThat(relativeError(f.output(), r.output())).isLessThan(TOLERANCE);

        f.backward(dy);
        r.backward(dy.castTo(DataType.DOUBLE));
        floatReference.forward(x, Encoder.Mode.TRAINING, groups).backward(dy);
        assertGradientsAsCloseAsFloatAllows(fast.namedGradients(), floatReference.namedGradients(),
                reference.namedGradients(), "gradient", TOLERANCE);
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
        FastEncoder fast = FastEncoder.create(spec);
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
        FastEncoder fast = FastEncoder.create(spec);
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
        FastEncoder fast = FastEncoder.create(spec);
        ResNetEncoder reference = referenceOf(fast, spec);
        ResNetEncoder floatReference = floatReferenceOf(fast, spec);
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
        floatReference.forward(x1, Encoder.Mode.TRAINING, 2).backward(dy1);
        floatReference.forward(x2, Encoder.Mode.TRAINING, 2).backward(dy2);
        assertGradientsAsCloseAsFloatAllows(fast.namedGradients(), floatReference.namedGradients(),
                reference.namedGradients(), "accumulated gradient", TOLERANCE);

        fast.zeroGradients();
        assertThat(fast.gradients().norm2Number().doubleValue()).isZero();
        assertThatThrownBy(() -> f1.backward(dy1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already");
    }

    /** The first backward after zeroing writes the gradients in place; later ones add to them, bit for bit as a sum. */
    @Test
    void aBackwardOverwritesZeroGradientsAndAddsToAnyOthersExactly() {
        FastEncoder fast = FastEncoder.create(spec(1, HeadType.MLP));
        Nd4j.getRandom().setSeed(15);
        INDArray x1 = Nd4j.randn(DataType.FLOAT, 8, 1, 28, 28);
        INDArray x2 = Nd4j.randn(DataType.FLOAT, 8, 1, 28, 28);
        INDArray dy1 = Nd4j.randn(DataType.FLOAT, 8, 128);
        INDArray dy2 = Nd4j.randn(DataType.FLOAT, 8, 128);
        fast.forward(x1, Encoder.Mode.TRAINING, 2).backward(dy1);
        INDArray g1 = fast.gradients().dup();
        fast.zeroGradients();
        fast.forward(x2, Encoder.Mode.TRAINING, 2).backward(dy2);
        INDArray g2 = fast.gradients().dup();
        assertThat(g1.norm2Number().doubleValue()).isPositive();

        fast.zeroGradients();
        fast.forward(x1, Encoder.Mode.TRAINING, 2).backward(dy1);
        assertThat(fast.gradients().toFloatVector()).isEqualTo(g1.toFloatVector());
        fast.forward(x2, Encoder.Mode.TRAINING, 2).backward(dy2);
        assertThat(fast.gradients().toFloatVector()).isEqualTo(g1.add(g2).toFloatVector());

        fast.zeroGradients();
        fast.gradients().assign(0.25);     // written by the caller between zeroing and the backward: kept
        fast.forward(x1, Encoder.Mode.TRAINING, 2).backward(dy1);
        assertThat(fast.gradients().toFloatVector()).isEqualTo(g1.add(0.25).toFloatVector());
        fast.close();
    }

    @Test
    void onlyZerosOfEitherSignAreZero() {
        INDArray v = Nd4j.zeros(DataType.FLOAT, 10_000);
        assertThat(FastEncoder.isZero(v)).isTrue();
        v.putScalar(9_999, -0.0f);
        assertThat(FastEncoder.isZero(v)).isTrue();
        v.putScalar(9_999, Float.MIN_VALUE);
        assertThat(FastEncoder.isZero(v)).isFalse();
        v.putScalar(9_999, Float.NaN);
        assertThat(FastEncoder.isZero(v)).isFalse();
    }

    @Test
    void trainingWithoutGradientComputesTheTrainingOutputAndUpdatesRunningStatistics() {
        FastEncoder fast = FastEncoder.create(spec(1, HeadType.MLP));
        FastEncoder twin = fast.copy();
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
        FastEncoder fast = FastEncoder.create(spec(1, HeadType.MLP));
        FastEncoder copy = fast.copy();
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 1, 28, 28);
        assertThat(copy.forward(x, Encoder.Mode.INFERENCE).output()).isEqualTo(fast.forward(x, Encoder.Mode.INFERENCE).output());
        copy.parameters().addi(1.0);
        assertThat(copy.parameters()).isNotEqualTo(fast.parameters());
    }

    @Test
    void aPassBeyondTheLiveLimitIsRecycledWithAClearError() {
        FastEncoder fast = FastEncoder.create(spec(1, HeadType.MLP), 1);
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
        FastEncoder fast = FastEncoder.create(spec(1, HeadType.MLP));
        assertThatThrownBy(() -> fast.forward(Nd4j.zeros(DataType.FLOAT, 6, 1, 28, 28), Encoder.Mode.TRAINING, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("divide the batch of 6");
        assertThatThrownBy(() -> fast.forward(Nd4j.zeros(DataType.FLOAT, 4, 3, 28, 28), Encoder.Mode.TRAINING))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, 1, H, W]");
        assertThatThrownBy(() -> FastEncoder.create(EncoderSpec.of("resnet20").withDataType(DataType.DOUBLE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FLOAT");
        FastEncoder r18 = FastEncoder.create(EncoderSpec.of("resnet18"));
        assertThatThrownBy(() -> r18.forward(Nd4j.zeros(DataType.FLOAT, 2, 3, 16, 16), Encoder.Mode.TRAINING))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 32x32");
    }

    /**
     * ImageNet layout (7×7/2 stem, 3×3/2 max-pool, basic or bottleneck blocks) on small inputs:
     * outputs, every named gradient and the running statistics, one and two normalisation groups.
     * At 32×32 the last stage is 1×1, so its BN normalises over only as many values as the
     * group has images: float rounding in those statistics is amplified (with 4 values ResNet-50's
     * gradients were 2.6e-2 off), so those rows use 8 images and a tolerance of 1e-2; with 8 or
     * more values per channel and group it is 1e-3.
     */
    @ParameterizedTest(name = "{0}, {1} input channel(s), batch {2}, {3}x{3}, G = {4}")
    @org.junit.jupiter.params.provider.CsvSource({"resnet18, 3, 4, 64, 2, 1e-3", "resnet18, 1, 8, 32, 1, 1e-2",
        "resnet50, 3, 8, 32, 1, 1e-2", "resnet34, 1, 8, 32, 1, 1e-2"})
    void imageNetLayoutMatchesTheReference(String architecture, int channels, int batch, int size, int groups,
                                           double tolerance) {
        EncoderSpec spec = EncoderSpec.of(architecture).withInputChannels(channels).withSeed(5);
        try (FastEncoder fast = FastEncoder.create(spec)) {
            ResNetEncoder reference = referenceOf(fast, spec);
            Nd4j.getRandom().setSeed(15);
            INDArray x = Nd4j.randn(DataType.FLOAT, batch, channels, size, size);
            INDArray dy = Nd4j.randn(DataType.FLOAT, batch, 128);
            Encoder.Pass f = fast.forward(x, Encoder.Mode.TRAINING, groups);
            Encoder.Pass r = reference.forward(x.castTo(DataType.DOUBLE), Encoder.Mode.TRAINING, groups);
            assertThat(relativeError(f.output(), r.output())).isLessThan(tolerance);
            f.backward(dy);
            r.backward(dy.castTo(DataType.DOUBLE));
            assertClose(fast.namedGradients(), reference.namedGradients(), "gradient", 10 * tolerance);
            assertThat(relativeError(fast.gradients(), reference.gradients())).isLessThan(tolerance);
            assertClose(fast.namedTensors(), reference.namedTensors(), "tensor (running statistics)");
            INDArray probe = Nd4j.randn(DataType.FLOAT, 2, channels, size, size);
            assertThat(relativeError(fast.represent(probe), reference.represent(probe.castTo(DataType.DOUBLE))))
                    .isLessThan(TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"resnet20", "resnet18"})
    void stageFeatureMapsAndTheirBackwardMatchTheReference(String architecture) {
        boolean small = architecture.equals("resnet20");
        EncoderSpec spec = EncoderSpec.of(architecture).withInputChannels(small ? 1 : 3).withSeed(6);
        try (FastEncoder fast = FastEncoder.create(spec)) {
            ResNetEncoder reference = referenceOf(fast, spec);
            ResNetEncoder floatReference = floatReferenceOf(fast, spec);
            Nd4j.getRandom().setSeed(16);
            int size = small ? 16 : 64;
            INDArray x = Nd4j.randn(DataType.FLOAT, 4, spec.inputChannels(), size, size);
            var f = fast.forwardFeatureMaps(x, Encoder.Mode.TRAINING, 2);
            var r = reference.forwardFeatureMaps(x.castTo(DataType.DOUBLE), Encoder.Mode.TRAINING, 2);
            assertThat(fast.stageChannels()).containsExactly(reference.stageChannels());
            assertThat(fast.stageStrides()).containsExactly(reference.stageStrides());
            java.util.List<INDArray> grads = new java.util.ArrayList<>();
            for (int s = 0; s < f.featureMaps().size(); s++) {
                assertThat(f.featureMaps().get(s).shape()).containsExactly(r.featureMaps().get(s).shape());
                assertThat(relativeError(f.featureMaps().get(s), r.featureMaps().get(s))).as("stage %d", s)
                        .isLessThan(TOLERANCE);
                grads.add(s == 0 ? null : Nd4j.randn(DataType.FLOAT, f.featureMaps().get(s).shape()));
            }
            assertThat(relativeError(f.pooled(), r.pooled())).isLessThan(TOLERANCE);
            INDArray dPooled = Nd4j.randn(DataType.FLOAT, f.pooled().shape());
            fast.zeroGradients();
            reference.zeroGradients();
            f.backward(grads, dPooled);
            java.util.List<INDArray> doubles = grads.stream().map(g -> g == null ? null : g.castTo(DataType.DOUBLE)).toList();
            r.backward(doubles, dPooled.castTo(DataType.DOUBLE));
            floatReference.forwardFeatureMaps(x, Encoder.Mode.TRAINING, 2).backward(grads, dPooled);
            assertGradientsAsCloseAsFloatAllows(fast.namedGradients(), floatReference.namedGradients(),
                    reference.namedGradients(), "gradient", 1e-2);
            assertThat(fast.namedGradients().get(small ? "head.0.weight" : "head.2.bias").norm2Number().doubleValue()).isZero();

            // only the first stage: nothing reaches the deeper stages
            var g1 = fast.forwardFeatureMaps(x, Encoder.Mode.TRAINING, 1);
            fast.zeroGradients();
            java.util.List<INDArray> first = new java.util.ArrayList<>(java.util.Collections.nCopies(f.featureMaps().size(), (INDArray) null));
            first.set(0, Nd4j.randn(DataType.FLOAT, g1.featureMaps().get(0).shape()));
            g1.backward(first, null);
            assertThat(fast.namedGradients().get("layer1.0.conv1.weight").norm2Number().doubleValue()).isPositive();
            assertThat(fast.namedGradients().get("layer2.0.conv1.weight").norm2Number().doubleValue()).isZero();
        }
    }

    @Test
    void weightsWrittenByOneImplementationLoadIntoTheOtherByName(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        EncoderSpec spec = EncoderSpec.of("resnet18").withSeed(8);
        try (FastEncoder fast = FastEncoder.create(spec)) {
            Nd4j.getRandom().setSeed(17);
            fast.parameters().addi(Nd4j.randn(DataType.FLOAT, fast.parameters().shape()).muli(0.01));
            fast.buffers().assign(Nd4j.rand(DataType.FLOAT, fast.buffers().shape()).addi(0.5));
            java.nio.file.Path file = dir.resolve("fast.zip");
            dev.moco.encoders.EncoderWeights.save(fast, spec, file);
            ResNetEncoder reference = Encoders.create(spec.withSeed(99));
            dev.moco.encoders.EncoderWeights.loadInto(reference, file);
            assertThat(reference.parameters()).isEqualTo(fast.parameters());
            assertThat(reference.buffers()).isEqualTo(fast.buffers());
            INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32);
            assertThat(relativeError(reference.represent(x), fast.represent(x))).isLessThan(1e-4);

            reference.parameters().muli(1.5);
            java.nio.file.Path back = dir.resolve("reference.zip");
            dev.moco.encoders.EncoderWeights.save(reference, spec, back);
            dev.moco.encoders.EncoderWeights.loadInto(fast, back);
            assertThat(fast.parameters()).isEqualTo(reference.parameters());
        }
    }
}
