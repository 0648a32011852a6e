package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.metrics.ConfusionMatrix;
import dev.moco.downstream.metrics.SegmentationScores;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.DenseHeadTopology;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Semantic segmentation of the canvases into background and the garment classes (all ten
 * unless a {@link GarmentClasses} is given): FCN-style head, per-pixel cross-entropy, mIoU over
 * the background and those classes (11 for all ten) with per-class IoU. Class 0 is the
 * background, class c + 1 the garment class of head channel c; predicted masks
 * ({@link #lastMasks()}) are encoded as the ground truth is ({@link Canvas#semanticClass}:
 * 0 background, label + 1).
 */
public final class SegmentationTask implements TransferTask {

    /** Metric names, as in metrics.csv. */
    public static final String MIOU = "mIoU";
    public static final String PIXEL_ACCURACY = "pixel_accuracy";

    private final GarmentClasses garmentClasses;
    private SegmentationScores last;
    private Map<Integer, byte[]> lastMasks = Map.of();

    /** Background and the ten Fashion-MNIST classes. */
    public SegmentationTask() {
        this(GarmentClasses.ALL);
    }

    /** Background and {@code garmentClasses}: the canvases must hold no other garment. */
    public SegmentationTask(GarmentClasses garmentClasses) {
        this.garmentClasses = garmentClasses;
    }

    public GarmentClasses garmentClasses() {
        return garmentClasses;
    }

    /** The background and the garment classes. */
    private int classes() {
        return garmentClasses.count() + 1;
    }

    @Override
    public DenseHeadTopology headTopology(int[] stageChannels, int[] stageStrides, int width) {
        return DenseHeadTopology.segmentation(stageChannels, stageStrides, classes(), width);
    }

    @Override
    public LossResult loss(DenseHead head, INDArray output, List<Canvas> batch) {
        return PixelCrossEntropy.compute(output, labels(batch));
    }

    /** Per pixel of the batch, the class to predict: 0 background, channel + 1 of the garment's class. */
    private int[] labels(List<Canvas> batch) {
        int[] classOfMaskValue = new int[256];
        Arrays.fill(classOfMaskValue, -1);
        classOfMaskValue[0] = 0;
        for (int c = 0; c < garmentClasses.count(); c++) {
            classOfMaskValue[garmentClasses.label(c) + 1] = c + 1;
        }
        int plane = batch.get(0).size() * batch.get(0).size();
        int[] labels = new int[batch.size() * plane];
        for (int i = 0; i < batch.size(); i++) {
            Canvas c = batch.get(i);
            for (int p = 0; p < plane; p++) {
                int value = classOfMaskValue[c.semanticClass(p)];
                if (value < 0) {
                    garmentClasses.channel(c.semanticClass(p) - 1);     // throws, naming the class
                }
                labels[i * plane + p] = value;
            }
        }
        return labels;
    }

    /** The ground truth's mask value of predicted class {@code k}: 0 background, the garment's label + 1. */
    private int maskValue(int k) {
        return k == 0 ? 0 : garmentClasses.label(k - 1) + 1;
    }

    /** The per-class scores of the last finished evaluation (after {@link Evaluation#metrics()}). */
    public SegmentationScores lastScores() {
        return last;
    }

    /**
     * The predicted masks of the last finished evaluation by canvas image id, in evaluation
     * order: per pixel (row-major) the class, encoded as {@link Canvas#semantic()}.
     */
    public Map<Integer, byte[]> lastMasks() {
        return lastMasks;
    }

    @Override
    public Evaluation evaluation(DenseHead head) {
        ConfusionMatrix matrix = new ConfusionMatrix(classes());
        Map<Integer, byte[]> masks = new LinkedHashMap<>();
        return new Evaluation() {
            @Override
            public void add(INDArray output, List<Canvas> batch) {
                int[] predicted = PixelCrossEntropy.predict(output);
                matrix.add(labels(batch), predicted);
                int plane = batch.get(0).size() * batch.get(0).size();
                for (int i = 0; i < batch.size(); i++) {
                    byte[] mask = new byte[plane];
                    for (int p = 0; p < plane; p++) {
                        mask[p] = (byte) maskValue(predicted[i * plane + p]);
                    }
                    masks.put(batch.get(i).imageId(), mask);
                }
            }

            @Override
            public Map<String, Double> metrics() {
                last = matrix.scores();
                lastMasks = Collections.unmodifiableMap(new LinkedHashMap<>(masks));
                Map<String, Double> m = new LinkedHashMap<>();
                m.put(MIOU, last.meanIou());
                m.put(PIXEL_ACCURACY, last.pixelAccuracy());
                return m;
            }
        };
    }
}
