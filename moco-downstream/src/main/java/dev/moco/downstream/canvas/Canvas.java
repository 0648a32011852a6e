package dev.moco.downstream.canvas;

import java.util.List;

/**
 * One image of the detection and segmentation benchmark with its ground truth.
 *
 * @param imageId COCO image id, from 1 (pycocotools treats id 0 as "unmatched")
 * @param size height and width
 * @param pixels grey levels 0..255, row-major (what the PNG holds)
 * @param semantic per pixel: 0 background, label + 1 of the topmost garment
 * @param instances the garments, bottom first
 */
public record Canvas(int imageId, int size, byte[] pixels, byte[] semantic, List<GarmentInstance> instances) {

    public Canvas {
        if (pixels.length != size * size || semantic.length != size * size) {
            throw new IllegalArgumentException("canvas " + imageId + ": " + pixels.length + " pixels and "
                    + semantic.length + " mask values for a " + size + "x" + size + " canvas");
        }
        instances = List.copyOf(instances);
    }

    /** The grey level of pixel (row, column) in [0, 1]. */
    public float intensity(int index) {
        return (pixels[index] & 0xff) / 255f;
    }

    /** The semantic class of pixel {@code index} (row-major). */
    public int semanticClass(int index) {
        return semantic[index] & 0xff;
    }
}
