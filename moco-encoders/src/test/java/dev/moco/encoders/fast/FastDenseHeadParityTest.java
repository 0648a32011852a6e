package dev.moco.encoders.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.DenseHeadTopology;
import dev.moco.encoders.NamedParameters;
import dev.moco.encoders.ReferenceDenseHead;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fast dense heads against the reference head ({@link ReferenceDenseHead}, reference layers
 * with finite-difference-checked backward) in DOUBLE with the fast head's parameters: the
 * output, the gradient at every stage map it reads, every parameter gradient and the BN running
 * statistics, for one and for several BN groups, and inference with the running statistics.
 * The fast head computes in float32 with oneDNN's summation order, the reference in double.
 */
class FastDenseHeadParityTest {

    private static final double TOLERANCE = 1e-4;
    /** ResNet-20's stages (strides 1, 2, 4) and an ImageNet-layout ResNet's (4, 8, 16, 32). */
    private static final int[] SMALL_CHANNELS = {16, 32, 64};
    private static final int[] SMALL_STRIDES = {1, 2, 4};
    private static final int[] IMAGENET_CHANNELS = {16, 32, 48, 64};
    private static final int[] IMAGENET_STRIDES = {4, 8, 16, 32};

    @BeforeAll
    static void oneDnnLoads() {
        Assumptions.assumeTrue(FastEncoder.isAvailable(), FastEncoder::unavailableReason);
    }

    private static DenseHeadTopology topology(String head) {
        return switch (head) {
            case "segmentation" -> DenseHeadTopology.segmentation(SMALL_CHANNELS, SMALL_STRIDES, 11, 32);
            case "detection" -> DenseHeadTopology.detection(SMALL_CHANNELS, SMALL_STRIDES, 10, 4, 32);
            // the instance head: after the 4 box channels, 8 mask coefficients and 8 prototype masks
            case "instances" -> DenseHeadTopology.detection(SMALL_CHANNELS, SMALL_STRIDES, 10, 4 + 2 * 8, 32);
            case "segmentation-imagenet" -> DenseHeadTopology.segmentation(IMAGENET_CHANNELS, IMAGENET_STRIDES, 11, 32);
            default -> throw new IllegalArgumentException(head);
        };
    }

    /** Random stage maps of an input of {@code size}×{@code size}, ReLU-like (non-negative) as a backbone's. */
    private static List<INDArray> stageMaps(DenseHeadTopology t, int batch, int size, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<INDArray> maps = new ArrayList<>();
        for (int s = 0; s < t.stageStrides().length; s++) {
            int side = size / t.stageStrides()[s];
            maps.add(Nd4j.rand(DataType.FLOAT, batch, t.stageChannels()[s], side, side));
        }
        return maps;
    }

    private static List<INDArray> inDouble(List<INDArray> maps) {
        return maps.stream().map(m -> m.castTo(DataType.DOUBLE)).toList();
    }

    /** The DOUBLE reference with the fast head's parameters and statistics. */
    private static ReferenceDenseHead referenceOf(FastDenseHead fast) {
        ReferenceDenseHead reference = new ReferenceDenseHead(fast.topology(), 0, DataType.DOUBLE);
        NamedParameters.copy(fast, reference);
        return reference;
    }

    /** Moves every parameter away from its initial value (BN γ = 1, β = 0, bias 0 hide mistakes). */
    private static void perturb(FastDenseHead head) {
        Nd4j.getRandom().setSeed(5);
        head.parameters().addi(Nd4j.randn(DataType.FLOAT, head.parameters().shape()).muli(0.1));
        head.namedTensors().forEach((name, v) -> {
            if (name.endsWith("running_var")) {
                v.assign(Nd4j.rand(DataType.FLOAT, v.shape()).addi(0.5));
            } else if (name.endsWith("running_mean")) {
                v.assign(Nd4j.randn(DataType.FLOAT, v.shape()).muli(0.1));
            }
        });
    }

    private static double relativeError(INDArray actual, INDArray expected) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        return actual.castTo(DataType.DOUBLE).sub(e).norm2Number().doubleValue() / Math.max(1e-12, e.norm2Number().doubleValue());
    }

    private static void assertClose(Map<String, INDArray> actual, Map<String, INDArray> expected, String what) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((name, value) -> assertThat(relativeError(actual.get(name), value)).as("%s of %s", what, name)
                .isLessThan(TOLERANCE));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"segmentation", "detection", "instances", "segmentation-imagenet"})
    void startsFromTheReferenceInitialisationOfTheSameSeed(String head) {
        try (FastDenseHead fast = FastDenseHead.create(topology(head), 9)) {
            ReferenceDenseHead reference = new ReferenceDenseHead(topology(head), 9, DataType.FLOAT);
            assertThat(fast.namedTensors().keySet()).containsExactlyElementsOf(reference.namedTensors().keySet());
            assertThat(fast.parameters()).isEqualTo(reference.parameters());
            assertThat(fast.buffers()).isEqualTo(reference.buffers());
        }
    }

    @ParameterizedTest(name = "{0}, G = {1}")
    @CsvSource({"segmentation, 1", "segmentation, 4", "detection, 1", "detection, 2", "instances, 1", "instances, 2",
        "segmentation-imagenet, 1",
        "segmentation-imagenet, 4"})
    void trainingOutputEveryGradientAndRunningStatisticsMatchTheReference(String head, int groups) {
        DenseHeadTopology t = topology(head);
        int size = head.endsWith("imagenet") ? 64 : 16;
        try (FastDenseHead fast = FastDenseHead.create(t, 3)) {
            perturb(fast);
            ReferenceDenseHead reference = referenceOf(fast);
            List<INDArray> maps = stageMaps(t, 8, size, 11);
            DenseHead.Pass f = fast.forward(maps, Encoder.Mode.TRAINING, groups);
            DenseHead.Pass r = reference.forward(inDouble(maps), Encoder.Mode.TRAINING, groups);
            int outputSide = size / t.outputStride();
            assertThat(f.output().shape()).containsExactly(8, t.outputChannels(), outputSide, outputSide);
            assertThat(relativeError(f.output(), r.output())).as("output").isLessThan(TOLERANCE);
            assertClose(fast.namedTensors(), reference.namedTensors(), "running statistics");

            INDArray dy = Nd4j.randn(DataType.FLOAT, f.output().shape());
            List<INDArray> fastStages = f.backward(dy);
            List<INDArray> referenceStages = r.backward(dy.castTo(DataType.DOUBLE));
            for (int s = 0; s < maps.size(); s++) {
                if (referenceStages.get(s) == null) {
                    assertThat(fastStages.get(s)).as("stage %d is not read", s).isNull();
                } else {
                    assertThat(relativeError(fastStages.get(s), referenceStages.get(s))).as("gradient at stage %d", s)
                            .isLessThan(TOLERANCE);
                }
            }
            assertThat(Arrays.stream(t.readStages()).mapToObj(fastStages::get)).allSatisfy(g -> assertThat(g).isNotNull());
            assertClose(fast.namedGradients(), reference.namedGradients(), "gradient");
        }
    }

    @Test
    void backwardsAddIntoTheGradientsAndInferenceUsesTheRunningStatistics() {
        DenseHeadTopology t = topology("segmentation");
        try (FastDenseHead fast = FastDenseHead.create(t, 4)) {
            perturb(fast);
            ReferenceDenseHead reference = referenceOf(fast);
            List<INDArray> maps = stageMaps(t, 4, 8, 12);
            INDArray dy = Nd4j.randn(DataType.FLOAT, 4, 11, 8, 8);
            for (int pass = 0; pass < 2; pass++) {
                fast.forward(maps, Encoder.Mode.TRAINING, 1).backward(dy);
                reference.forward(inDouble(maps), Encoder.Mode.TRAINING, 1).backward(dy.castTo(DataType.DOUBLE));
            }
            assertClose(fast.namedGradients(), reference.namedGradients(), "gradient summed over two passes");
            fast.zeroGradients();
            assertThat(fast.gradients().amaxNumber().doubleValue()).isZero();

            DenseHead.Pass f = fast.forward(maps, Encoder.Mode.TRAINING_WITHOUT_GRADIENT, 2);
            DenseHead.Pass r = reference.forward(inDouble(maps), Encoder.Mode.TRAINING_WITHOUT_GRADIENT, 2);
            assertThat(relativeError(f.output(), r.output())).as("output without gradient").isLessThan(TOLERANCE);
            assertClose(fast.namedTensors(), reference.namedTensors(), "running statistics after a no-gradient pass");
            assertThatThrownBy(() -> f.backward(dy)).isInstanceOf(IllegalStateException.class);

            List<INDArray> other = stageMaps(t, 4, 8, 13);
            assertThat(relativeError(fast.forward(other, Encoder.Mode.INFERENCE, 1).output(),
                    reference.forward(inDouble(other), Encoder.Mode.INFERENCE, 1).output())).as("inference").isLessThan(TOLERANCE);
        }
    }

    @Test
    void mapsThatDoNotFitTheTopologyAreRefusedNamingTheStage() {
        DenseHeadTopology t = topology("detection");
        try (FastDenseHead fast = FastDenseHead.create(t, 4)) {
            List<INDArray> maps = new ArrayList<>(stageMaps(t, 2, 8, 14));
            maps.set(2, Nd4j.rand(DataType.FLOAT, 2, 64, 3, 3));
            assertThatThrownBy(() -> fast.forward(maps, Encoder.Mode.TRAINING, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 2").hasMessageContaining("[2, 64, 2, 2]");
            maps.set(0, null);      // not read by the detection head
            maps.set(2, Nd4j.rand(DataType.FLOAT, 2, 64, 2, 2));
            assertThat(fast.forward(maps, Encoder.Mode.INFERENCE, 1).output().shape()).containsExactly(2, 14, 4, 4);
        }
    }
}
