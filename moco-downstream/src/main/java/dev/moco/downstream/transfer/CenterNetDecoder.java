package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.metrics.BoundingBox;
import dev.moco.downstream.metrics.CocoEvaluator;
import dev.moco.downstream.metrics.DetectedBox;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns a detection head's output into boxes as CenterNet does: heatmap scores σ(z), peaks
 * kept where a score is the maximum of its 3×3 neighbourhood in its class (the max-pool
 * "NMS"), the 100 best peaks of each image, and for each the box of the regressed size
 * (e^z cells, {@link CenterNetTargets#side}) around the offset centre, in input pixels.
 * Category ids are class + 1 (COCO's).
 */
public final class CenterNetDecoder {

    private CenterNetDecoder() {
    }

    /**
     * @param classes the garment classes of the heatmap channels: a peak in channel c is a
     *     detection of category {@code classes.label(c) + 1}, the garment's COCO category id
     * @param imageIds the COCO image id of each image of the batch
     * @param stride the grid's stride in input pixels
     */
    public static List<DetectedBox> decode(INDArray output, GarmentClasses classes, int stride, int[] imageIds) {
        return peaks(output, classes, stride, imageIds).stream().map(Peak::detection).toList();
    }

    /**
     * A detection with the grid cell it was read at, for a head that predicts more there (the
     * instance masks' coefficients).
     *
     * @param image index in the batch
     * @param cell row · gridWidth + column
     * @param detection the box, class and score
     */
    public record Peak(int image, int cell, DetectedBox detection) {
    }

    /**
     * The detections of {@link #decode} with their cells; the output may have more channels
     * after the {@code classes + 4} it reads.
     */
    public static List<Peak> peaks(INDArray output, GarmentClasses garmentClasses, int stride, int[] imageIds) {
        int classes = garmentClasses.count();
        long[] shape = output.shape();
        if (output.rank() != 4 || shape[1] < classes + CenterNetTargets.REGRESSION_CHANNELS || shape[0] != imageIds.length) {
            throw new IllegalArgumentException("detection output " + Arrays.toString(shape) + " does not hold "
                    + classes + " heatmaps and " + CenterNetTargets.REGRESSION_CHANNELS + " box channels for "
                    + imageIds.length + " images");
        }
        int n = (int) shape[0];
        int channels = (int) shape[1];
        int gh = (int) shape[2];
        int gw = (int) shape[3];
        int plane = gh * gw;
        float[] z = output.dup('c').data().asFloat();
        List<Peak> all = new ArrayList<>();
        for (int image = 0; image < n; image++) {
            List<Peak> found = new ArrayList<>();
            int imageBase = image * channels * plane;
            for (int c = 0; c < classes; c++) {
                int base = imageBase + c * plane;
                for (int y = 0; y < gh; y++) {
                    for (int x = 0; x < gw; x++) {
                        float v = z[base + y * gw + x];
                        if (!isPeak(z, base, gh, gw, y, x, v)) {
                            continue;
                        }
                        int cell = y * gw + x;
                        double w = CenterNetTargets.side(z[imageBase + classes * plane + cell], stride);
                        double h = CenterNetTargets.side(z[imageBase + (classes + 1) * plane + cell], stride);
                        double cx = (x + z[imageBase + (classes + 2) * plane + cell]) * stride;
                        double cy = (y + z[imageBase + (classes + 3) * plane + cell]) * stride;
                        found.add(new Peak(image, cell, new DetectedBox(imageIds[image], garmentClasses.label(c) + 1,
                                new BoundingBox(cx - w / 2, cy - h / 2, w, h), CenterNetLoss.sigmoid(v))));
                    }
                }
            }
            found.sort(Comparator.comparingDouble((Peak p) -> p.detection().score()).reversed());
            all.addAll(found.subList(0, Math.min(found.size(), CocoEvaluator.MAX_DETECTIONS)));
        }
        return all;
    }

    private static boolean isPeak(float[] z, int base, int gh, int gw, int y, int x, float v) {
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                int yy = y + dy;
                int xx = x + dx;
                if (yy >= 0 && yy < gh && xx >= 0 && xx < gw && z[base + yy * gw + xx] > v) {
                    return false;
                }
            }
        }
        return true;
    }
}
