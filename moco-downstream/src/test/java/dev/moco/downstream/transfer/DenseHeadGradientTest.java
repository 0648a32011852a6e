package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.Encoder;
import dev.moco.api.testing.FiniteDifferences;
import dev.moco.downstream.canvas.CanvasGenerator;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.testing.GarmentShapes;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.DenseHeadTopology;
import dev.moco.encoders.ReferenceDenseHead;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Finite-difference checks of both reference heads' backward (parameters and stage inputs) and of
 * both losses; the fast heads are checked against these heads in moco-encoders' {@code FastDenseHeadParityTest}.
 */
class DenseHeadGradientTest {

    private static final int[] CHANNELS = {2, 3, 4};
    private static final int[] STRIDES = {1, 2, 4};
    private static final double H = 1e-5;
    private static final double TOLERANCE = 1e-5;

    private static List<INDArray> stageMaps(int batch, int size) {
        Nd4j.getRandom().setSeed(3);
        List<INDArray> maps = new ArrayList<>();
        for (int s = 0; s < CHANNELS.length; s++) {
            maps.add(Nd4j.randn(DataType.DOUBLE, batch, CHANNELS[s], size / STRIDES[s], size / STRIDES[s]));
        }
        return maps;
    }

    /** L = Σ output · R for a fixed random R, so dL/d(output) = R; BN in {@code groups} groups. */
    private static void checkHead(DenseHead head, List<INDArray> maps, boolean[] read, int groups) {
        INDArray probe = Nd4j.randn(DataType.DOUBLE, head.forward(maps, Encoder.Mode.TRAINING, groups).output().shape());
        head.zeroGradients();
        List<INDArray> stageGradients = head.forward(maps, Encoder.Mode.TRAINING, groups).backward(probe);
        java.util.function.DoubleSupplier loss = () -> head.forward(maps, Encoder.Mode.TRAINING, groups).output().mul(probe)
                .sumNumber().doubleValue();
        INDArray numeric = FiniteDifferences.gradient(head.parameters(), loss, H);
        assertThat(FiniteDifferences.relativeError(head.gradients(), numeric)).isLessThan(TOLERANCE);
        for (int s = 0; s < maps.size(); s++) {
            if (!read[s]) {
                assertThat(stageGradients.get(s)).as("stage %d is not read", s).isNull();
                continue;
            }
            INDArray numericInput = FiniteDifferences.gradient(maps.get(s), loss, H);
            assertThat(FiniteDifferences.relativeError(stageGradients.get(s), numericInput)).as("stage %d", s)
                    .isLessThan(TOLERANCE);
        }
    }

    @Test
    void segmentationHeadBackwardMatchesFiniteDifferences() {
        DenseHead head = new ReferenceDenseHead(DenseHeadTopology.segmentation(CHANNELS, STRIDES, 2, 2), 5, DataType.DOUBLE);
        List<INDArray> maps = stageMaps(2, 4);
        assertThat(head.forward(maps, Encoder.Mode.TRAINING, 1).output().shape()).containsExactly(2, 2, 4, 4);
        checkHead(head, maps, new boolean[] {true, true, true}, 1);
    }

    /** In two BN groups of two images each (shuffle BN's statistics per group). */
    @Test
    void detectionHeadBackwardMatchesFiniteDifferencesAndSkipsTheStrideOneStage() {
        DenseHead head = new ReferenceDenseHead(DenseHeadTopology.detection(CHANNELS, STRIDES, 2,
                CenterNetTargets.REGRESSION_CHANNELS, 3), 5, DataType.DOUBLE);
        List<INDArray> maps = stageMaps(4, 4);
        assertThat(head.outputStride()).isEqualTo(2);
        assertThat(head.forward(maps, Encoder.Mode.TRAINING, 1).output().shape()).containsExactly(4, 2 + 4, 2, 2);
        checkHead(head, maps, new boolean[] {false, true, true}, 2);
    }

    @Test
    void pixelCrossEntropyGradientMatchesFiniteDifferences() {
        Nd4j.getRandom().setSeed(7);
        INDArray logits = Nd4j.randn(DataType.DOUBLE, 2, 3, 2, 2);
        int[] labels = {0, 1, 2, 1, 2, 2, 0, 1};
        LossResult result = PixelCrossEntropy.compute(logits, labels);
        INDArray numeric = FiniteDifferences.gradient(logits, () -> PixelCrossEntropy.compute(logits, labels).value(), H);
        assertThat(FiniteDifferences.relativeError(result.gradient(), numeric)).isLessThan(TOLERANCE);
        // uniform logits: every pixel costs log K
        assertThat(PixelCrossEntropy.compute(Nd4j.zeros(DataType.DOUBLE, 1, 3, 1, 2), new int[] {0, 2}).value())
                .isCloseTo(Math.log(3), org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void centerNetLossGradientMatchesFiniteDifferences() {
        CanvasSet set = CanvasGenerator.generate(CanvasSpec.of(16, 2, 0, 4), new GarmentShapes(20, 0, 3),
                new GarmentShapes(20, 0, 3));
        CenterNetTargets targets = CenterNetTargets.of(set.train(), 3, 2);
        assertThat(targets.objects()).isNotEmpty();
        Nd4j.getRandom().setSeed(11);
        INDArray output = Nd4j.randn(DataType.DOUBLE, 2, 3 + 4, 8, 8);
        LossBuffers buffers = new LossBuffers().read(output);
        CenterNetLoss.Parts parts = CenterNetLoss.accumulate(buffers, targets);
        assertThat(parts.heatmap()).isPositive();
        assertThat(parts.size()).isPositive();
        assertThat(parts.offset()).isPositive();
        LossResult loss = CenterNetLoss.compute(output, targets);
        assertThat(loss.value()).isEqualTo(parts.total());
        INDArray numeric = FiniteDifferences.gradient(output, () -> CenterNetLoss.compute(output, targets).value(), H);
        assertThat(FiniteDifferences.relativeError(loss.gradient(), numeric)).isLessThan(TOLERANCE);
    }

    @Test
    void aHeatmapPeakAtEachObjectCentreDecodesBackToItsBox() {
        CanvasSet set = CanvasGenerator.generate(CanvasSpec.of(32, 3, 0, 9), new GarmentShapes(20, 0, 3),
                new GarmentShapes(20, 0, 3));
        int stride = 2;
        CenterNetTargets targets = CenterNetTargets.of(set.train(), 3, stride);
        int plane = targets.gridHeight() * targets.gridWidth();
        float[] perfect = new float[set.train().size() * 7 * plane];
        for (int i = 0; i < set.train().size(); i++) {
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    double y = targets.heatmap()[(i * 3 + c) * plane + p];
                    perfect[(i * 7 + c) * plane + p] = y == 1 ? 5f : -5f;
                }
            }
        }
        for (CenterNetTargets.ObjectTarget o : targets.objects()) {
            double[] t = o.regressionTargets();
            for (int r = 0; r < 4; r++) {
                perfect[(o.image() * 7 + 3 + r) * plane + o.cell()] = (float) t[r];
            }
        }
        INDArray output = Nd4j.create(perfect, new long[] {set.train().size(), 7, targets.gridHeight(), targets.gridWidth()});
        int[] ids = set.train().stream().mapToInt(c -> c.imageId()).toArray();
        var detections = CenterNetDecoder.decode(output, GarmentClasses.first(3), stride, ids);
        var scores = new dev.moco.downstream.metrics.CocoBoxEvaluator().evaluate(
                dev.moco.downstream.canvas.CocoJson.groundTruth(set.train()), detections);
        assertThat(scores.ap50()).isGreaterThan(0.99);
        assertThat(scores.ap()).isGreaterThan(0.9);
    }
}
