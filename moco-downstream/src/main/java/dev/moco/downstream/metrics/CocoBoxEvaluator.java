package dev.moco.downstream.metrics;

import java.util.List;

/**
 * COCO box AP ({@code COCOeval} with iouType "bbox"): {@link CocoEvaluator#boxes()} on
 * {@link GroundTruthBox} and {@link DetectedBox} lists.
 *
 * <pre>{@code
 * DetectionScores s = new CocoBoxEvaluator().evaluate(groundTruth, detections);
 * System.out.printf("AP: %.4f AP50: %.4f AP75: %.4f%n", s.ap(), s.ap50(), s.ap75());
 * }</pre>
 */
public final class CocoBoxEvaluator {

    /** Scores {@code detections} against {@code groundTruth}. */
    public DetectionScores evaluate(List<GroundTruthBox> groundTruth, List<DetectedBox> detections) {
        return CocoEvaluator.boxes().evaluate(groundTruth, detections);
    }
}
