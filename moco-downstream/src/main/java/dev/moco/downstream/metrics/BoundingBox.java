package dev.moco.downstream.metrics;

/**
 * An axis-aligned box in COCO's convention: top-left corner (x, y), width and height, in
 * pixels of a continuous image plane (a box covering pixel columns 3..5 has x = 3, w = 3).
 *
 * @param x left edge
 * @param y top edge
 * @param width at least 0
 * @param height at least 0
 */
public record BoundingBox(double x, double y, double width, double height) {

    public BoundingBox {
        if (!(width >= 0) || !(height >= 0) || !Double.isFinite(x) || !Double.isFinite(y)
                || !Double.isFinite(width) || !Double.isFinite(height)) {
            throw new IllegalArgumentException("a box needs finite coordinates and non-negative size, got x=" + x
                    + " y=" + y + " w=" + width + " h=" + height);
        }
    }

    public double area() {
        return width * height;
    }

    /**
     * Intersection over union, as pycocotools' {@code maskUtils.iou} computes it for boxes:
     * intersection extents {@code min(right) − max(left)} without a +1; 0 when both are empty.
     */
    public double iou(BoundingBox other) {
        double w = Math.min(x + width, other.x + other.width) - Math.max(x, other.x);
        double h = Math.min(y + height, other.y + other.height) - Math.max(y, other.y);
        if (w <= 0 || h <= 0) {
            return 0;
        }
        double intersection = w * h;
        double union = area() + other.area() - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    /** {@code [x, y, w, h]}, the COCO JSON order. */
    public double[] toXywh() {
        return new double[] {x, y, width, height};
    }
}
