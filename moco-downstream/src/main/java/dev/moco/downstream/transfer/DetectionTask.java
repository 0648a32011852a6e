package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CocoJson;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.metrics.CocoBoxEvaluator;
import dev.moco.downstream.metrics.DetectedBox;
import dev.moco.downstream.metrics.DetectionScores;
import dev.moco.downstream.metrics.GroundTruthBox;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.DenseHeadTopology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Detection of the garments: CenterNet-style head and loss, COCO box AP, AP50 and AP75 on
 * the test canvases. The head has a heatmap per garment class (all ten unless a
 * {@link GarmentClasses} is given); detections carry the garments' own category ids (label + 1).
 */
public final class DetectionTask implements TransferTask {

    public static final String AP = "AP";
    public static final String AP50 = "AP50";
    public static final String AP75 = "AP75";

    private final GarmentClasses garmentClasses;
    private final LossBuffers lossBuffers = new LossBuffers();
    private List<DetectedBox> lastDetections = List.of();

    /** The ten Fashion-MNIST classes. */
    public DetectionTask() {
        this(GarmentClasses.ALL);
    }

    /** The classes {@code garmentClasses}: the canvases must hold no other garment. */
    public DetectionTask(GarmentClasses garmentClasses) {
        this.garmentClasses = garmentClasses;
    }

    /** The CenterNet head: a heatmap per garment class, then the {@link CenterNetTargets#REGRESSION_CHANNELS}. */
    @Override
    public DenseHeadTopology headTopology(int[] stageChannels, int[] stageStrides, int width) {
        return DenseHeadTopology.detection(stageChannels, stageStrides, garmentClasses.count(),
                CenterNetTargets.REGRESSION_CHANNELS, width);
    }

    @Override
    public LossResult loss(DenseHead head, INDArray output, List<Canvas> batch) {
        CenterNetTargets targets = CenterNetTargets.of(batch, garmentClasses, head.outputStride());
        return lossBuffers.evaluate(output, buffers -> CenterNetLoss.accumulate(buffers, targets).total());
    }

    /** The detections of the last finished evaluation, for a COCO results file. */
    public List<DetectedBox> lastDetections() {
        return lastDetections;
    }

    @Override
    public Evaluation evaluation(DenseHead head) {
        List<DetectedBox> detections = new ArrayList<>();
        List<GroundTruthBox> truth = new ArrayList<>();
        return new Evaluation() {
            @Override
            public void add(INDArray output, List<Canvas> batch) {
                int[] ids = batch.stream().mapToInt(Canvas::imageId).toArray();
                detections.addAll(CenterNetDecoder.decode(output, garmentClasses, head.outputStride(), ids));
                truth.addAll(CocoJson.groundTruth(batch));
            }

            @Override
            public Map<String, Double> metrics() {
                lastDetections = List.copyOf(detections);
                DetectionScores s = new CocoBoxEvaluator().evaluate(truth, detections);
                Map<String, Double> m = new LinkedHashMap<>();
                m.put(AP, s.ap());
                m.put(AP50, s.ap50());
                m.put(AP75, s.ap75());
                return m;
            }
        };
    }
}
