package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CocoJson;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.metrics.CocoEvaluator;
import dev.moco.downstream.metrics.DetectedInstance;
import dev.moco.downstream.metrics.DetectionScores;
import dev.moco.downstream.metrics.GroundTruthBox;
import dev.moco.downstream.metrics.GroundTruthMask;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.DenseHeadTopology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Instance segmentation of the garments: the CenterNet-style detector of {@link DetectionTask}
 * with YOLACT's mask branch on the same head (K prototype masks and K coefficients per cell,
 * {@link InstanceChannels}), trained with the CenterNet loss plus {@link #MASK_WEIGHT} times
 * {@link PrototypeMaskLoss}; scored with COCO mask AP ("segm") and box AP ("bbox") on the
 * test canvases.
 */
public final class InstanceSegmentationTask implements TransferTask {

    /** Metric names, as in metrics.csv; mask AP is the headline. */
    public static final String MASK_AP = "mask_AP";
    public static final String MASK_AP50 = "mask_AP50";
    public static final String MASK_AP75 = "mask_AP75";
    public static final String BOX_AP = "box_AP";
    public static final String BOX_AP50 = "box_AP50";
    public static final String BOX_AP75 = "box_AP75";
    /** Prototype masks when not given: a quarter of YOLACT's 32, enough for at most four garments a canvas. */
    public static final int DEFAULT_PROTOTYPES = 8;
    /** Weight of the mask loss next to the CenterNet loss. */
    public static final double MASK_WEIGHT = 1;

    private final InstanceChannels channels;
    private final LossBuffers lossBuffers = new LossBuffers();
    private List<DetectedInstance> lastInstances = List.of();

    /** The ten Fashion-MNIST classes, {@value #DEFAULT_PROTOTYPES} prototypes. */
    public InstanceSegmentationTask() {
        this(GarmentClasses.ALL, DEFAULT_PROTOTYPES);
    }

    /**
     * @param garmentClasses the classes of the head: the canvases must hold no other garment
     * @param prototypes prototype masks, and coefficients per cell
     */
    public InstanceSegmentationTask(GarmentClasses garmentClasses, int prototypes) {
        this.channels = new InstanceChannels(garmentClasses, prototypes);
    }

    /** The CenterNet head of {@link DetectionTask} with the mask channels after the box channels, bias 0. */
    @Override
    public DenseHeadTopology headTopology(int[] stageChannels, int[] stageStrides, int width) {
        return DenseHeadTopology.detection(stageChannels, stageStrides, channels.classes(),
                CenterNetTargets.REGRESSION_CHANNELS + channels.maskChannels(), width);
    }

    @Override
    public LossResult loss(DenseHead head, INDArray output, List<Canvas> batch) {
        CenterNetTargets targets = CenterNetTargets.of(batch, channels.garmentClasses(), head.outputStride());
        // one read of the output, both losses' gradients summed in place, one write
        return lossBuffers.evaluate(output, buffers -> CenterNetLoss.accumulate(buffers, targets).total()
                + PrototypeMaskLoss.accumulate(buffers, MASK_WEIGHT, channels, targets, batch, head.outputStride()));
    }

    /** The instances of the last finished evaluation, for a COCO results file. */
    public List<DetectedInstance> lastInstances() {
        return lastInstances;
    }

    @Override
    public Evaluation evaluation(DenseHead head) {
        List<DetectedInstance> instances = new ArrayList<>();
        List<GroundTruthBox> truthBoxes = new ArrayList<>();
        List<GroundTruthMask> truthMasks = new ArrayList<>();
        return new Evaluation() {
            @Override
            public void add(INDArray output, List<Canvas> batch) {
                int[] ids = batch.stream().mapToInt(Canvas::imageId).toArray();
                instances.addAll(PrototypeMaskDecoder.decode(output, channels, head.outputStride(), batch.get(0).size(), ids));
                truthBoxes.addAll(CocoJson.groundTruth(batch));
                truthMasks.addAll(CocoJson.groundTruthMasks(batch));
            }

            @Override
            public Map<String, Double> metrics() {
                lastInstances = List.copyOf(instances);
                DetectionScores masks = CocoEvaluator.masks().evaluate(truthMasks, instances);
                DetectionScores boxes = CocoEvaluator.boxes().evaluate(truthBoxes,
                        instances.stream().map(DetectedInstance::detectedBox).toList());
                Map<String, Double> m = new LinkedHashMap<>();
                m.put(MASK_AP, masks.ap());
                m.put(MASK_AP50, masks.ap50());
                m.put(MASK_AP75, masks.ap75());
                m.put(BOX_AP, boxes.ap());
                m.put(BOX_AP50, boxes.ap50());
                m.put(BOX_AP75, boxes.ap75());
                return m;
            }
        };
    }
}
