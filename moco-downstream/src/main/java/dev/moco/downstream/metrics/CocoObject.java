package dev.moco.downstream.metrics;

/**
 * An object of a COCO image as the evaluation matches it: its image, its category and the
 * region it covers (a {@link BoundingBox} for COCO's "bbox" evaluation, a {@link BinaryMask}
 * for "segm").
 *
 * @param <R> the kind of region
 */
public interface CocoObject<R> {

    int imageId();

    int categoryId();

    R region();
}
