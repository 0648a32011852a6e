package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.metrics.BoundingBox;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The mask loss of YOLACT (Bolya et al., "YOLACT: Real-time Instance Segmentation", 2019) on
 * an instance head's output ({@link InstanceChannels}): the head predicts K prototype masks
 * P_k per image and K coefficients at every cell; the mask of the object whose centre is cell
 * c is the linear combination of the prototypes with the coefficients read at c. For object
 * j of {@link CenterNetTargets#objects()} (image i, centre cell c_j, ground-truth box b_j and
 * mask M_j), on the output grid of stride R:
 *
 * <pre>
 * t_jk   = tanh(a_k[i, c_j])                        coefficients (YOLACT's tanh)
 * m_j(p) = Σ_k t_jk P_k[i, p]                       mask logits at every cell p
 * T_j(p) = |M_j ∩ pixels of cell p| / R²            the mask's share of each cell
 * L      = (1/J) Σ_j (1/|B_j|) Σ_{p ∈ B_j} [softplus(m_j(p)) − T_j(p) m_j(p)]
 * </pre>
 *
 * per-pixel binary cross-entropy with logits, on the cells B_j that the ground-truth box
 * overlaps (YOLACT crops the assembled mask with the box and normalises by its area), averaged
 * over the J objects (at least 1). Gradients (hand-derived, finite-difference checked):
 *
 * <pre>
 * g_j(p)          = (σ(m_j(p)) − T_j(p)) / (J |B_j|) on B_j, 0 elsewhere
 * dL/dP_k[i, p]   = Σ_{j of image i} t_jk g_j(p)
 * dL/da_k[i, c_j] = (1 − t_jk²) Σ_p P_k[i, p] g_j(p)
 * </pre>
 *
 * Unlike YOLACT the prototypes are not passed through a ReLU, and the target is the mask at
 * the grid's resolution (each cell's covered fraction) rather than the full-resolution mask:
 * {@link PrototypeMaskDecoder} upsamples the assembled logits to the input.
 */
public final class PrototypeMaskLoss {

    private PrototypeMaskLoss() {
    }

    /**
     * The loss and its gradient, non-zero only on the coefficient and prototype channels.
     *
     * @param targets the detector's targets of {@code batch} (their objects, one per centre cell, are the masks' too)
     * @param stride the grid's stride in input pixels
     */
    public static LossResult compute(INDArray output, InstanceChannels channels, CenterNetTargets targets,
            List<Canvas> batch, int stride) {
        return new LossBuffers().evaluate(output, buffers -> accumulate(buffers, 1, channels, targets, batch, stride));
    }

    /**
     * {@code weight} times the loss of the output held in {@code buffers}, with {@code weight}
     * times its gradient added to theirs (only on the coefficient and prototype channels).
     */
    static double accumulate(LossBuffers buffers, double weight, InstanceChannels channels, CenterNetTargets targets,
            List<Canvas> batch, int stride) {
        long[] shape = buffers.shape();
        int gh = targets.gridHeight();
        int gw = targets.gridWidth();
        int plane = gh * gw;
        if (shape.length != 4 || shape[0] != batch.size() || shape[1] != channels.total() || shape[2] != gh
                || shape[3] != gw) {
            throw new IllegalArgumentException("instance output " + Arrays.toString(shape) + " does not fit " + batch.size()
                    + " images with " + channels + " (" + channels.total() + " channels) on a " + gh + "x" + gw + " grid");
        }
        int k = channels.prototypes();
        double[] z = buffers.output();
        double[] grad = buffers.gradient();
        List<CenterNetTargets.ObjectTarget> objects = targets.objects();
        double objectCount = Math.max(1, objects.size());
        double loss = 0;
        double[] coefficients = new double[k];
        double[] coefficientGradient = new double[k];
        double[] logits = new double[plane];
        for (CenterNetTargets.ObjectTarget o : objects) {
            Canvas canvas = batch.get(o.image());
            int imageBase = o.image() * channels.total() * plane;
            assemble(z, imageBase, plane, channels, o.cell(), coefficients, logits);
            boolean[] mask = canvas.instances().get(o.instance()).mask();
            BoundingBox box = canvas.instances().get(o.instance()).box();
            int rowFrom = (int) Math.floor(box.y() / stride);
            int rowTo = Math.min(gh, (int) Math.ceil((box.y() + box.height()) / stride));
            int columnFrom = (int) Math.floor(box.x() / stride);
            int columnTo = Math.min(gw, (int) Math.ceil((box.x() + box.width()) / stride));
            int cropped = Math.max(1, (rowTo - rowFrom) * (columnTo - columnFrom));
            double scale = weight / (objectCount * cropped);
            Arrays.fill(coefficientGradient, 0);
            for (int row = rowFrom; row < rowTo; row++) {
                for (int column = columnFrom; column < columnTo; column++) {
                    int p = row * gw + column;
                    double m = logits[p];
                    double target = coveredFraction(mask, canvas.size(), stride, row, column);
                    loss += (CenterNetLoss.softplus(m) - target * m) * scale;
                    double g = (CenterNetLoss.sigmoid(m) - target) * scale;
                    for (int c = 0; c < k; c++) {
                        int prototype = imageBase + channels.prototype(c) * plane + p;
                        grad[prototype] += coefficients[c] * g;
                        coefficientGradient[c] += z[prototype] * g;
                    }
                }
            }
            for (int c = 0; c < k; c++) {
                grad[imageBase + channels.coefficient(c) * plane + o.cell()] +=
                        (1 - coefficients[c] * coefficients[c]) * coefficientGradient[c];
            }
        }
        return loss;
    }

    /**
     * The mask logits of the object at {@code cell}: {@code coefficients[k] = tanh(a_k)} and
     * {@code logits[p] = Σ_k coefficients[k] · P_k[p]}, from one image's block of a c-order output.
     */
    static void assemble(double[] z, int imageBase, int plane, InstanceChannels channels, int cell, double[] coefficients,
            double[] logits) {
        Arrays.fill(logits, 0);
        for (int c = 0; c < channels.prototypes(); c++) {
            double t = Math.tanh(z[imageBase + channels.coefficient(c) * plane + cell]);
            coefficients[c] = t;
            int prototype = imageBase + channels.prototype(c) * plane;
            for (int p = 0; p < plane; p++) {
                logits[p] += t * z[prototype + p];
            }
        }
    }

    /** The fraction of the R×R pixels of cell (row, column) set in a row-major {@code size}×{@code size} mask. */
    static double coveredFraction(boolean[] mask, int size, int stride, int row, int column) {
        int set = 0;
        for (int y = row * stride; y < Math.min(size, (row + 1) * stride); y++) {
            for (int x = column * stride; x < Math.min(size, (column + 1) * stride); x++) {
                if (mask[y * size + x]) {
                    set++;
                }
            }
        }
        return (double) set / (stride * stride);
    }
}
