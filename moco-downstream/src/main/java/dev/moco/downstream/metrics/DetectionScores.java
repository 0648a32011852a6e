package dev.moco.downstream.metrics;

import java.util.Map;

/**
 * COCO-style scores of boxes or masks ({@link CocoEvaluator}).
 *
 * @param ap precision averaged over IoU thresholds 0.50:0.05:0.95, 101 recall points and the
 *     categories that have ground truth (COCO's "AP"); NaN when no category has any
 * @param ap50 the same at IoU 0.50 only
 * @param ap75 the same at IoU 0.75 only
 * @param perCategoryAp each category's AP (over the ten thresholds), for categories with ground truth
 */
public record DetectionScores(double ap, double ap50, double ap75, Map<Integer, Double> perCategoryAp) {

    public DetectionScores {
        perCategoryAp = Map.copyOf(perCategoryAp);
    }
}
