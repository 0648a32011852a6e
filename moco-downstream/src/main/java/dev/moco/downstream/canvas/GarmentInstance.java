package dev.moco.downstream.canvas;

import dev.moco.downstream.metrics.BoundingBox;

/**
 * One garment on a canvas: its class, the visible part of it (later garments are on top),
 * and the tight box of that visible part.
 *
 * @param label Fashion-MNIST class 0..9 (COCO category id {@code label + 1}; semantic class
 *     {@code label + 1}, 0 being background)
 * @param mask the visible pixels, row-major over the canvas
 * @param box the tight box of {@code mask}: x = first column, w = last − first + 1
 * @param sourceIndex the Fashion-MNIST image it was drawn from (in its split)
 */
public record GarmentInstance(int label, boolean[] mask, BoundingBox box, int sourceIndex) {

    /** Number of visible pixels (the COCO annotation's {@code area}). */
    public int area() {
        int n = 0;
        for (boolean b : mask) {
            if (b) {
                n++;
            }
        }
        return n;
    }

    /** The COCO category id, label + 1. */
    public int categoryId() {
        return label + 1;
    }

    /** The tight box of the set pixels of a row-major {@code size}×{@code size} mask; null if none is set. */
    static BoundingBox tightBox(boolean[] mask, int size) {
        int top = size;
        int left = size;
        int bottom = -1;
        int right = -1;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                if (mask[y * size + x]) {
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                    left = Math.min(left, x);
                    right = Math.max(right, x);
                }
            }
        }
        return bottom < 0 ? null : new BoundingBox(left, top, right - left + 1, bottom - top + 1);
    }
}
