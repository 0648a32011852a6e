package dev.moco.downstream.metrics;

/**
 * One detected instance, as in a COCO results file with masks ({@code image_id, category_id,
 * bbox, score, segmentation}): scored as a mask; {@link #detectedBox()} is the same detection
 * for box scoring.
 *
 * @param imageId the image it was found in
 * @param categoryId the predicted class
 * @param box the predicted box
 * @param mask the predicted pixels
 * @param score confidence; higher ranks first
 */
public record DetectedInstance(int imageId, int categoryId, BoundingBox box, BinaryMask mask, double score)
        implements CocoDetection<BinaryMask> {

    public DetectedInstance {
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException("detection score must be finite, got " + score);
        }
    }

    @Override
    public BinaryMask region() {
        return mask;
    }

    /** The same detection without its mask. */
    public DetectedBox detectedBox() {
        return new DetectedBox(imageId, categoryId, box, score);
    }
}
