package dev.moco.downstream.metrics;

/**
 * One annotated object for detection scoring (crowd-free: every object counts).
 *
 * @param imageId the image it belongs to
 * @param categoryId its class
 * @param box its tight box
 */
public record GroundTruthBox(int imageId, int categoryId, BoundingBox box) implements CocoObject<BoundingBox> {

    @Override
    public BoundingBox region() {
        return box;
    }
}
