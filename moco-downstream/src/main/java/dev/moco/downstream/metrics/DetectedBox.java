package dev.moco.downstream.metrics;

/**
 * One detection, as in a COCO results file ({@code image_id, category_id, bbox, score}).
 *
 * @param imageId the image it was found in
 * @param categoryId the predicted class
 * @param box the predicted box
 * @param score confidence; higher ranks first
 */
public record DetectedBox(int imageId, int categoryId, BoundingBox box, double score) implements CocoDetection<BoundingBox> {

    public DetectedBox {
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException("detection score must be finite, got " + score);
        }
    }

    @Override
    public BoundingBox region() {
        return box;
    }
}
