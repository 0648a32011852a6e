package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.metrics.ConfusionMatrix;
import dev.moco.downstream.metrics.SegmentationScores;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Semantic segmentation of the canvases into background and the ten garment classes:
 * FCN-style head, per-pixel cross-entropy, mIoU over the 11 classes with per-class IoU.
 */
public final class SegmentationTask implements TransferTask {

    /** Metric names, as in metrics.csv. */
    public static final String MIOU = "mIoU";
    public static final String PIXEL_ACCURACY = "pixel_accuracy";

    private SegmentationScores last;

    @Override
    public DenseHead head(int[] stageChannels, int[] stageStrides, int width, long seed) {
        return DenseHead.segmentation(stageChannels, stageStrides, CanvasSpec.SEGMENTATION_CLASSES, width, seed,
                DataType.FLOAT);
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

    @Override
    public Evaluation evaluation(DenseHead head) {
        ConfusionMatrix matrix = new ConfusionMatrix(CanvasSpec.SEGMENTATION_CLASSES);
        return new Evaluation() {
            @Override
            public void add(INDArray output, List<Canvas> batch) {
                matrix.add(labels(batch), PixelCrossEntropy.predict(output));
            }

            @Override
            public Map<String, Double> metrics() {
                last = matrix.scores();
                Map<String, Double> m = new LinkedHashMap<>();
                m.put(MIOU, last.meanIou());
                m.put(PIXEL_ACCURACY, last.pixelAccuracy());
                return m;
            }
        };
    }
}
