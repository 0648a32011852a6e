package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.moco.api.FeatureMapEncoder;
import dev.moco.api.testing.FiniteDifferences;
import dev.moco.core.data.augment.Normalize;
import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CanvasGenerator;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.canvas.CocoJson;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.metrics.CocoEvaluator;
import dev.moco.downstream.metrics.DetectedInstance;
import dev.moco.downstream.metrics.DetectionScores;
import dev.moco.downstream.testing.GarmentShapes;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.ReferenceDenseHead;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The YOLACT-style mask branch: its loss's gradient, its decoding, and the whole chain learning. */
class InstanceSegmentationTest {

    private static final double H = 1e-5;
    private static final double TOLERANCE = 1e-5;
    private static final int STRIDE = 2;
    private static final int STEPS = 40;

    private static CanvasSet canvases(int size, int train, long seed) {
        return CanvasGenerator.generate(CanvasSpec.of(size, train, 0, seed), new GarmentShapes(20, 0, 3),
                new GarmentShapes(20, 0, 3));
    }

    @Test
    void prototypeMaskLossGradientMatchesFiniteDifferencesAndLeavesTheDetectorChannels() {
        List<Canvas> batch = canvases(16, 2, 4).train();
        InstanceChannels channels = new InstanceChannels(GarmentClasses.first(3), 2);
        CenterNetTargets targets = CenterNetTargets.of(batch, 3, STRIDE);
        assertThat(targets.objects()).isNotEmpty();
        Nd4j.getRandom().setSeed(13);
        INDArray output = Nd4j.randn(DataType.DOUBLE, 2, channels.total(), 8, 8);
        LossResult loss = PrototypeMaskLoss.compute(output, channels, targets, batch, STRIDE);
        assertThat(loss.value()).isPositive();
        INDArray detector = loss.gradient().get(NDArrayIndex.all(), NDArrayIndex.interval(0, channels.coefficient(0)),
                NDArrayIndex.all(), NDArrayIndex.all());
        assertThat(detector.amaxNumber().doubleValue()).isZero();
        INDArray numeric = FiniteDifferences.gradient(output,
                () -> PrototypeMaskLoss.compute(output, channels, targets, batch, STRIDE).value(), H);
        assertThat(FiniteDifferences.relativeError(loss.gradient(), numeric)).isLessThan(TOLERANCE);
    }

    @Test
    void theTaskLossIsTheDetectorsPlusTheMasksWithTheirGradients() {
        List<Canvas> batch = canvases(16, 2, 4).train();
        InstanceSegmentationTask task = new InstanceSegmentationTask(GarmentClasses.ALL, 2);
        DenseHead head = new ReferenceDenseHead(task.headTopology(new int[] {2, 3}, new int[] {1, 2}, 2), 1, DataType.DOUBLE);
        InstanceChannels channels = new InstanceChannels(GarmentClasses.ALL, 2);
        assertThat(head.outputChannels()).isEqualTo(channels.total());
        assertThat(head.outputStride()).isEqualTo(STRIDE);
        Nd4j.getRandom().setSeed(5);
        INDArray output = Nd4j.randn(DataType.DOUBLE, 2, channels.total(), 8, 8);
        CenterNetTargets targets = CenterNetTargets.of(batch, CanvasSpec.GARMENT_CLASSES, STRIDE);
        LossResult detector = CenterNetLoss.compute(output, targets);
        LossResult masks = PrototypeMaskLoss.compute(output, channels, targets, batch, STRIDE);
        LossResult total = task.loss(head, output, batch);
        double w = InstanceSegmentationTask.MASK_WEIGHT;
        assertThat(total.value()).isCloseTo(detector.value() + w * masks.value(), within(1e-12));
        assertThat(FiniteDifferences.relativeError(total.gradient(), detector.gradient().add(masks.gradient().mul(w))))
                .isLessThan(1e-12);
        // both parts reach the head: the detector's channels and the masks'
        assertThat(detector.gradient().amaxNumber().doubleValue()).isPositive();
        assertThat(masks.gradient().amaxNumber().doubleValue()).isPositive();
    }

    /**
     * An output that holds each object's box at its centre, prototype j = ±5 where the
     * mask covers at least half a cell, and coefficient j (only) at the centre of the image's
     * j-th object decodes to masks that match the garments: fails if the decoder reads other
     * channels or cells than the loss trains, or resizes or crops wrongly.
     */
    @Test
    void anOutputHoldingEachGarmentsMaskAsAPrototypeDecodesBackToIt() {
        CanvasSet set = canvases(32, 4, 9);
        List<Canvas> batch = set.train();
        InstanceChannels channels = new InstanceChannels(GarmentClasses.ALL, 4);
        CenterNetTargets targets = CenterNetTargets.of(batch, channels.classes(), STRIDE);
        int gh = targets.gridHeight();
        int gw = targets.gridWidth();
        int plane = gh * gw;
        int c = channels.total();
        float[] perfect = new float[batch.size() * c * plane];
        for (int i = 0; i < batch.size(); i++) {
            for (int k = 0; k < channels.classes(); k++) {
                for (int p = 0; p < plane; p++) {
                    perfect[(i * c + k) * plane + p] = targets.heatmap()[(i * channels.classes() + k) * plane + p] == 1 ? 5f : -5f;
                }
            }
        }
        int[] slots = new int[batch.size()];
        for (CenterNetTargets.ObjectTarget o : targets.objects()) {
            int i = o.image();
            double[] t = o.regressionTargets();
            for (int r = 0; r < 4; r++) {
                perfect[(i * c + channels.classes() + r) * plane + o.cell()] = (float) t[r];
            }
            int slot = slots[i]++;
            perfect[(i * c + channels.coefficient(slot)) * plane + o.cell()] = 10f;
            boolean[] mask = batch.get(i).instances().get(o.instance()).mask();
            for (int row = 0; row < gh; row++) {
                for (int column = 0; column < gw; column++) {
                    double covered = PrototypeMaskLoss.coveredFraction(mask, 32, STRIDE, row, column);
                    perfect[(i * c + channels.prototype(slot)) * plane + row * gw + column] = covered >= 0.5 ? 5f : -5f;
                }
            }
        }
        INDArray output = Nd4j.create(perfect, new long[] {batch.size(), c, gh, gw});
        int[] ids = batch.stream().mapToInt(Canvas::imageId).toArray();
        List<DetectedInstance> found = PrototypeMaskDecoder.decode(output, channels, STRIDE, 32, ids);
        DetectionScores masks = CocoEvaluator.masks().evaluate(CocoJson.groundTruthMasks(batch), found);
        assertThat(masks.ap50()).isGreaterThan(0.99);
        assertThat(masks.ap()).isGreaterThan(0.7);
        for (DetectedInstance d : found) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    if (d.mask().get(y, x)) {
                        assertThat(x + 0.5).isBetween(d.box().x(), d.box().x() + d.box().width());
                        assertThat(y + 0.5).isBetween(d.box().y(), d.box().y() + d.box().height());
                    }
                }
            }
        }
    }

    /**
     * The whole chain (targets, both losses, head, backbone, decoders, COCO scoring) can learn
     * masks: fitted to eight canvases for {@value #STEPS} steps, it finds their garments' masks;
     * and its COCO results file scores the same when read back.
     */
    @Test
    void theInstanceModelFitsAFewCanvasesItIsScoredOn(@TempDir Path dir) {
        CanvasSet eight = CanvasGenerator.generate(CanvasSpec.of(16, 8, 0, 3), new GarmentShapes(30, 0, 10),
                new GarmentShapes(30, 0, 10));
        FineTuneSettings settings = new FineTuneSettings(1, 8, 0.01, 0.9, 0, 32, 1);
        EncoderSpec spec = EncoderSpec.of("resnet20").withInputChannels(1).withHead(HeadType.NONE).withSeed(2);
        FeatureMapEncoder encoder = (FeatureMapEncoder) EncoderImplementation.choose(spec, "auto").create(spec);
        InstanceSegmentationTask task = new InstanceSegmentationTask();
        FineTuning tuning = new FineTuning(encoder, task, settings, Normalize.FASHION_MNIST);
        double first = tuning.step(eight.train(), 0, 0);
        double loss = first;
        for (int step = 1; step < STEPS; step++) {
            loss = tuning.step(eight.train(), step, 0);
        }
        assertThat(loss).as("training loss after %d steps", STEPS).isLessThan(first / 4);
        Map<String, Double> last = tuning.evaluate(eight.train());
        assertThat(last).containsOnlyKeys(InstanceSegmentationTask.MASK_AP, InstanceSegmentationTask.MASK_AP50,
                InstanceSegmentationTask.MASK_AP75, InstanceSegmentationTask.BOX_AP, InstanceSegmentationTask.BOX_AP50,
                InstanceSegmentationTask.BOX_AP75);
        assertThat(last.get(InstanceSegmentationTask.MASK_AP50)).as("mask AP50 after %d steps (0.69 measured)", STEPS)
                .isGreaterThan(0.3);
        assertThat(task.lastInstances()).isNotEmpty().allSatisfy(d -> assertThat(d.mask().height()).isEqualTo(16));

        // its COCO results file, read back, scores exactly the same
        Path results = dir.resolve("detections.json");
        CocoJson.writeInstanceResults(task.lastInstances(), results);
        List<DetectedInstance> again = CocoJson.readInstanceResults(results);
        DetectionScores masks = CocoEvaluator.masks().evaluate(CocoJson.groundTruthMasks(eight.train()), again);
        DetectionScores boxes = CocoEvaluator.boxes().evaluate(CocoJson.groundTruth(eight.train()),
                again.stream().map(DetectedInstance::detectedBox).toList());
        assertThat(List.of(masks.ap(), masks.ap50(), masks.ap75(), boxes.ap(), boxes.ap50(), boxes.ap75()))
                .containsExactly(last.get(InstanceSegmentationTask.MASK_AP), last.get(InstanceSegmentationTask.MASK_AP50),
                        last.get(InstanceSegmentationTask.MASK_AP75), last.get(InstanceSegmentationTask.BOX_AP),
                        last.get(InstanceSegmentationTask.BOX_AP50), last.get(InstanceSegmentationTask.BOX_AP75));
    }
}
