package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.metrics.ConfusionMatrix;
import dev.moco.downstream.metrics.SegmentationScores;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.DenseHeadTopology;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Semantic segmentation of the canvases into background and the ten garment classes:
 * FCN-style head, per-pixel cross-entropy, mIoU over the 11 classes with per-class IoU. The
 * classes are the ground truth's mask values ({@link Canvas#semanticClass}: 0 background,
 * label + 1), so a predicted mask is encoded as the truth is.
 */
public final class SegmentationTask implements TransferTask {

    /** Metric names, as in metrics.csv. */
    public static final String MIOU = "mIoU";
    public static final String PIXEL_ACCURACY = "pixel_accuracy";

    private SegmentationScores last;
    private Map<Integer, byte[]> lastMasks = Map.of();

    @Override
    public DenseHeadTopology headTopology(int[] stageChannels, int[] stageStrides, int width) {
        return DenseHeadTopology.segmentation(stageChannels, stageStrides, CanvasSpec.SEGMENTATION_CLASSES, width);
    }

    @Override
    public LossResult loss(DenseHead head, INDArray output, List<Canvas> batch) {
        return PixelCrossEntropy.compute(output, labels(batch));
    }

    private static int[] labels(List<Canvas> batch) {
        int plane = batch.get(0).size() * batch.get(0).size();
        int[] labels = new int[batch.size() * plane];
        for (int i = 0; i < batch.size(); i++) {
            Canvas c = batch.get(i);
            for (int p = 0; p < plane; p++) {
                labels[i * plane + p] = c.semanticClass(p);
            }
        }
        return labels;
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
        ConfusionMatrix matrix = new ConfusionMatrix(CanvasSpec.SEGMENTATION_CLASSES);
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
                        mask[p] = (byte) predicted[i * plane + p];
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
