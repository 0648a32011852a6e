package dev.moco.downstream.transfer;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CenterNet's training loss on a detection head's output [N, classes + 4, h, w] (channels:
 * heatmap logits, then log width, log height, x offset, y offset), normalised by the number of
 * objects M (at least 1):
 *
 * <ul>
 *   <li>penalty-reduced focal loss on p = σ(z) (α = 2, β = 4): −(1 − p)^α log p where the
 *       target is 1, −(1 − y)^β p^α log(1 − p) elsewhere;</li>
 *   <li>L1 on (log(w/R), log(h/R)) at each object's centre cell, weight {@link #SIZE_WEIGHT}
 *       = 1 (CenterNet's 0.1 is for sizes in cells; see {@link CenterNetTargets} for why the
 *       log);</li>
 *   <li>L1 on the centre offset, weight 1.</li>
 * </ul>
 *
 * Gradients (hand-derived, finite-difference checked), with log p = −softplus(−z) and
 * log(1 − p) = −softplus(z) for stability:
 * dL/dz = α p (1 − p)^α log p − (1 − p)^(α+1) at peaks, (1 − y)^β [p^(α+1) − α p^α (1 − p) log(1 − p)] elsewhere.
 */
public final class CenterNetLoss {

    public static final double ALPHA = 2;
    public static final double BETA = 4;
    public static final double SIZE_WEIGHT = 1;

    private CenterNetLoss() {
    }

    /** The loss's parts, each divided by M; {@link #total()} is what the gradient is of. */
    public record Parts(double heatmap, double size, double offset) {
        public double total() {
            return heatmap + SIZE_WEIGHT * size + offset;
        }
    }

    /**
     * The loss and its gradient. Channels after the {@code classes + 4} it reads (another
     * loss's, such as the instance masks') get gradient 0.
     */
    public static LossResult compute(INDArray output, CenterNetTargets targets) {
        return new LossBuffers().evaluate(output, buffers -> accumulate(buffers, targets).total());
    }

    /**
     * The loss of the output held in {@code buffers}, with its gradient added to theirs (only on
     * the {@code classes + 4} channels it reads).
     */
    static Parts accumulate(LossBuffers buffers, CenterNetTargets targets) {
        long[] shape = buffers.shape();
        int classes = targets.classes();
        int plane = targets.gridHeight() * targets.gridWidth();
        if (shape.length != 4 || shape[1] < classes + CenterNetTargets.REGRESSION_CHANNELS || shape[2] != targets.gridHeight()
                || shape[3] != targets.gridWidth() || shape[0] * classes * plane != targets.heatmap().length) {
            throw new IllegalArgumentException("detection output " + Arrays.toString(shape) + " does not fit targets of "
                    + classes + " classes on a " + targets.gridHeight() + "x" + targets.gridWidth() + " grid");
        }
        int channels = (int) shape[1];
        int n = (int) shape[0];
        double[] z = buffers.output();
        double[] grad = buffers.gradient();
        double objects = Math.max(1, targets.objects().size());
        float[] heat = targets.heatmap();
        double[] imageLoss = new double[n];
        // images are independent: split over the cores the native ops leave idle while the loss runs
        IntStream.range(0, n).parallel().forEach(image ->
                imageLoss[image] = heatmap(z, grad, heat, image, channels, classes, plane, objects));
        double heatmapLoss = 0;
        for (double l : imageLoss) {
            heatmapLoss += l;
        }
        double sizeLoss = 0;
        double offsetLoss = 0;
        for (CenterNetTargets.ObjectTarget o : targets.objects()) {
            int base = o.image() * channels * plane + o.cell();
            double[] target = o.regressionTargets();
            for (int r = 0; r < CenterNetTargets.REGRESSION_CHANNELS; r++) {
                int i = base + (classes + r) * plane;
                double weight = r < 2 ? SIZE_WEIGHT : 1;
                double diff = z[i] - target[r];
                if (r < 2) {
                    sizeLoss += Math.abs(diff);
                } else {
                    offsetLoss += Math.abs(diff);
                }
                grad[i] += weight * Math.signum(diff) / objects;
            }
        }
        return new Parts(heatmapLoss / objects, sizeLoss / objects, offsetLoss / objects);
    }

    /**
     * Image {@code image}'s focal loss (before the division by M), with its gradient added to
     * {@code grad}: per logit one exp and one log1p, shared by p = σ(z), log p and log(1 − p)
     * (the same expressions as {@link #sigmoid} and {@link #softplus}), and the powers α = 2 and
     * β = 4 as products.
     */
    private static double heatmap(double[] z, double[] grad, float[] heat, int image, int channels, int classes, int plane,
            double objects) {
        double loss = 0;
        for (int c = 0; c < classes; c++) {
            int zBase = (image * channels + c) * plane;
            int hBase = (image * classes + c) * plane;
            for (int p = 0; p < plane; p++) {
                double logit = z[zBase + p];
                double y = heat[hBase + p];
                double e = Math.exp(-Math.abs(logit));
                double log1pE = Math.log1p(e);
                double prob = logit >= 0 ? 1 / (1 + e) : e / (1 + e);
                double logP = -(Math.max(-logit, 0) + log1pE);
                double log1mP = -(Math.max(logit, 0) + log1pE);
                double q = 1 - prob;
                double g;
                if (y == 1) {
                    loss -= q * q * logP;
                    g = ALPHA * prob * q * q * logP - q * q * q;
                } else {
                    double weight = (1 - y) * (1 - y) * (1 - y) * (1 - y);
                    loss -= weight * prob * prob * log1mP;
                    g = weight * (prob * prob * prob - ALPHA * prob * prob * q * log1mP);
                }
                grad[zBase + p] += g / objects;
            }
        }
        return loss;
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /** log(1 + e^z) without overflow. */
    static double softplus(double z) {
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }
}
