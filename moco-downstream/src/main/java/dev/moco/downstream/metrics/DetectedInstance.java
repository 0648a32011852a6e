package dev.moco.downstream.metrics;

/**
 * One detected instance, as in a COCO results file with masks ({@code image_id, category_id,
 * bbox, score, segmentation}): a detection and its mask, scored as a mask.
 *
 * @param detectedBox the image, class, predicted box and score; the same detection for box scoring
 * @param mask the predicted pixels
 */
public record DetectedInstance(DetectedBox detectedBox, BinaryMask mask) implements CocoDetection<BinaryMask> {

    @Override
    public int imageId() {
        return detectedBox.imageId();
    }

    @Override
    public int categoryId() {
        return detectedBox.categoryId();
    }

    @Override
    public double score() {
        return detectedBox.score();
    }

    /** The predicted box. */
    public BoundingBox box() {
        return detectedBox.box();
    }

    @Override
    public BinaryMask region() {
        return mask;
    }
}
