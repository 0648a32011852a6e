package dev.moco.downstream.metrics;

/**
 * One annotated object for mask scoring (crowd-free: every object counts).
 *
 * @param imageId the image it belongs to
 * @param categoryId its class
 * @param mask its visible pixels
 */
public record GroundTruthMask(int imageId, int categoryId, BinaryMask mask) implements CocoObject<BinaryMask> {

    @Override
    public BinaryMask region() {
        return mask;
    }
}
