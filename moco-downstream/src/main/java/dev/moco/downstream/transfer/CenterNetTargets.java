package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.GarmentClasses;
import dev.moco.downstream.canvas.GarmentInstance;
import dev.moco.downstream.metrics.BoundingBox;
import java.util.ArrayList;
import java.util.List;

/**
 * CenterNet's training targets (Zhou et al., "Objects as Points", 2019) for a batch of
 * canvases on a grid of stride R: per class a heatmap with a Gaussian peak of 1 at each
 * object's centre cell (σ = diameter/6 from CenterNet's {@code gaussian_radius} at minimum
 * overlap 0.7; overlapping peaks keep the maximum), and per object its centre cell, its
 * size (w/R, h/R) and the sub-cell offset of its centre. When two objects share a centre
 * cell the later (upper) one's regression target wins, as in CenterNet.
 *
 * <p>Unlike CenterNet, which regresses w/R itself, the size channels regress log(w/R) (the
 * log-space size of Faster R-CNN's box encoding, {@link ObjectTarget#regressionTargets}, read
 * back by {@link #side}): a head that starts at 0 then starts at boxes of one cell rather
 * than of no size, and one L1 weight and learning rate fit 2-pixel and 48-pixel boxes. With
 * w/R itself (L1 weight 0.1) a sign-gradient step moves a size by the same amount at every
 * scale, and short fine-tunings end with boxes too small: fitted to eight canvases for 60
 * steps, AP 0.12 with w/R against 0.53 with log(w/R) ({@code FineTuningTest}).
 *
 * @param classes heatmap channels
 * @param gridHeight rows of the output grid
 * @param gridWidth columns of the output grid
 * @param heatmap [N, classes, gridHeight, gridWidth] row-major
 * @param objects every object's regression target
 */
public record CenterNetTargets(int classes, int gridHeight, int gridWidth, float[] heatmap, List<ObjectTarget> objects) {

    /** Width, height, x offset, y offset. */
    public static final int REGRESSION_CHANNELS = 4;
    private static final double MIN_OVERLAP = 0.7;

    /**
     * @param image index in the batch
     * @param instance index of the garment in its canvas's {@code instances()}
     * @param cell row · gridWidth + column of the centre cell
     * @param width box width / R
     * @param height box height / R
     * @param offsetX centre x / R − column
     * @param offsetY centre y / R − row
     */
    public record ObjectTarget(int image, int instance, int cell, double width, double height, double offsetX, double offsetY) {

        /** What the four regression channels should read at the centre cell: log(w/R), log(h/R), offsets. */
        public double[] regressionTargets() {
            return new double[] {Math.log(width), Math.log(height), offsetX, offsetY};
        }
    }

    /** Largest log-size the decoder reads: boxes of at most e^{@value} cells. */
    private static final double MAX_LOG_SIDE = 10;

    /**
     * A box side in input pixels from its size channel's output (log of the side in cells).
     *
     * @param logSide the size channel's value
     * @param stride the grid's stride in input pixels
     * @return e^logSide · stride, with logSide clamped to at most 10
     */
    public static double side(double logSide, int stride) {
        return Math.exp(Math.min(logSide, MAX_LOG_SIDE)) * stride;
    }

    /** The targets of a head of {@code classes} channels for labels 0..classes−1. */
    public static CenterNetTargets of(List<Canvas> batch, int classes, int stride) {
        return of(batch, GarmentClasses.first(classes), stride);
    }

    /**
     * The targets of a head with a heatmap channel per one of {@code garmentClasses}.
     *
     * @throws IllegalArgumentException if a garment's label is not among them
     */
    public static CenterNetTargets of(List<Canvas> batch, GarmentClasses garmentClasses, int stride) {
        int classes = garmentClasses.count();
        int size = batch.get(0).size();
        int gh = (size + stride - 1) / stride;
        int gw = gh;
        float[] heat = new float[batch.size() * classes * gh * gw];
        List<ObjectTarget> objects = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            List<GarmentInstance> instances = batch.get(i).instances();
            for (int instance = 0; instance < instances.size(); instance++) {
                GarmentInstance g = instances.get(instance);
                BoundingBox b = g.box();
                double cx = (b.x() + b.width() / 2) / stride;
                double cy = (b.y() + b.height() / 2) / stride;
                int column = Math.min(gw - 1, (int) Math.floor(cx));
                int row = Math.min(gh - 1, (int) Math.floor(cy));
                double w = b.width() / stride;
                double h = b.height() / stride;
                int radius = Math.max(0, (int) gaussianRadius(h, w));
                splat(heat, ((i * classes) + garmentClasses.channel(g.label())) * gh * gw, gh, gw, row, column, radius);
                ObjectTarget target = new ObjectTarget(i, instance, row * gw + column, w, h, cx - column, cy - row);
                objects.removeIf(o -> o.image() == target.image() && o.cell() == target.cell());
                objects.add(target);
            }
        }
        return new CenterNetTargets(classes, gh, gw, heat, objects);
    }

    /** CenterNet's {@code draw_umich_gaussian}: exp(−(dx² + dy²)/(2σ²)), σ = (2r + 1)/6, max with what is there. */
    private static void splat(float[] heat, int offset, int gh, int gw, int row, int column, int radius) {
        double sigma = (2 * radius + 1) / 6.0;
        for (int dy = -radius; dy <= radius; dy++) {
            for (int dx = -radius; dx <= radius; dx++) {
                int y = row + dy;
                int x = column + dx;
                if (y < 0 || y >= gh || x < 0 || x >= gw) {
                    continue;
                }
                float v = (float) Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
                int p = offset + y * gw + x;
                heat[p] = Math.max(heat[p], v);
            }
        }
    }

    /**
     * CenterNet's {@code gaussian_radius((h, w), 0.7)}: the smallest of the three radii at
     * which a corner-shifted box still has IoU ≥ 0.7 with the true one.
     */
    static double gaussianRadius(double height, double width) {
        double a1 = 1;
        double b1 = height + width;
        double c1 = width * height * (1 - MIN_OVERLAP) / (1 + MIN_OVERLAP);
        double r1 = (b1 + Math.sqrt(b1 * b1 - 4 * a1 * c1)) / 2;
        double a2 = 4;
        double b2 = 2 * (height + width);
        double c2 = (1 - MIN_OVERLAP) * width * height;
        double r2 = (b2 + Math.sqrt(b2 * b2 - 4 * a2 * c2)) / 2;
        double a3 = 4 * MIN_OVERLAP;
        double b3 = -2 * MIN_OVERLAP * (height + width);
        double c3 = (MIN_OVERLAP - 1) * width * height;
        double r3 = (b3 + Math.sqrt(b3 * b3 - 4 * a3 * c3)) / 2;
        return Math.min(r1, Math.min(r2, r3));
    }
}
