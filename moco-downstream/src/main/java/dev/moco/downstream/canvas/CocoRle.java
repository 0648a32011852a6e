package dev.moco.downstream.canvas;

import java.util.ArrayList;
import java.util.List;

/**
 * COCO's uncompressed run-length encoding of a binary mask ({@code {"size": [h, w],
 * "counts": [...]}}), which pycocotools' {@code frPyObjects} reads: runs over the mask in
 * column-major (Fortran) order, alternating background and foreground, starting with
 * background (a leading 0 when the first pixel is set).
 */
public final class CocoRle {

    private CocoRle() {
    }

    /** The counts of a row-major {@code height}×{@code width} mask. */
    public static List<Integer> encode(boolean[] mask, int height, int width) {
        if (mask.length != height * width) {
            throw new IllegalArgumentException(mask.length + " mask values for " + height + "x" + width);
        }
        List<Integer> counts = new ArrayList<>();
        boolean current = false;
        int run = 0;
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                boolean v = mask[y * width + x];
                if (v != current) {
                    counts.add(run);
                    run = 0;
                    current = v;
                }
                run++;
            }
        }
        counts.add(run);
        return counts;
    }

    /** The row-major mask of {@code counts}. */
    public static boolean[] decode(List<Integer> counts, int height, int width) {
        boolean[] mask = new boolean[height * width];
        int position = 0;
        boolean value = false;
        for (int run : counts) {
            if (run < 0 || position + run > mask.length) {
                throw new IllegalArgumentException("RLE counts do not fit a " + height + "x" + width + " mask");
            }
            for (int i = 0; i < run; i++, position++) {
                if (value) {
                    int x = position / height;
                    int y = position % height;
                    mask[y * width + x] = true;
                }
            }
            value = !value;
        }
        if (position != mask.length) {
            throw new IllegalArgumentException("RLE counts cover " + position + " of " + mask.length + " pixels");
        }
        return mask;
    }
}
