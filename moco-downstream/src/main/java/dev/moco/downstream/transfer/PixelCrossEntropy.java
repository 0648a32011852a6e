package dev.moco.downstream.transfer;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-pixel softmax cross-entropy of segmentation logits [N, K, H, W] against class labels,
 * averaged over all N·H·W pixels (PyTorch's {@code F.cross_entropy} on NCHW logits):
 * L = −(1/P) Σ_p log softmax(z_p)[y_p], dL/dz_p = (softmax(z_p) − onehot(y_p)) / P.
 */
public final class PixelCrossEntropy {

    private PixelCrossEntropy() {
    }

    /** @param labels one class in [0, K) per pixel, image-major then row-major ([N, H, W] flattened) */
    public static LossResult compute(INDArray logits, int[] labels) {
        long[] shape = logits.shape();
        if (logits.rank() != 4) {
            throw new IllegalArgumentException("segmentation logits must be [N, K, H, W], got " + Arrays.toString(shape));
        }
        int n = (int) shape[0];
        int k = (int) shape[1];
        int plane = (int) (shape[2] * shape[3]);
        if (labels.length != n * plane) {
            throw new IllegalArgumentException(labels.length + " pixel labels for logits of shape " + Arrays.toString(shape));
        }
        double[] z = logits.dup('c').data().asDouble();
        double[] grad = new double[z.length];
        double loss = 0;
        double scale = 1.0 / labels.length;
        for (int image = 0; image < n; image++) {
            int base = image * k * plane;
            for (int p = 0; p < plane; p++) {
                int label = labels[image * plane + p];
                if (label < 0 || label >= k) {
                    throw new IllegalArgumentException("pixel " + p + " of image " + image + " has label " + label
                            + " outside [0, " + k + ")");
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < k; c++) {
                    max = Math.max(max, z[base + c * plane + p]);
                }
                double sum = 0;
                for (int c = 0; c < k; c++) {
                    sum += Math.exp(z[base + c * plane + p] - max);
                }
                double logSum = Math.log(sum) + max;
                loss -= z[base + label * plane + p] - logSum;
                for (int c = 0; c < k; c++) {
                    int i = base + c * plane + p;
                    grad[i] = (Math.exp(z[i] - logSum) - (c == label ? 1 : 0)) * scale;
                }
            }
        }
        return new LossResult(loss * scale, Nd4j.create(grad, shape, logits.dataType()));
    }

    /** The highest-scoring class of every pixel, [N, H, W] flattened like the labels. */
    public static int[] predict(INDArray logits) {
        long[] shape = logits.shape();
        int n = (int) shape[0];
        int k = (int) shape[1];
        int plane = (int) (shape[2] * shape[3]);
        float[] z = logits.dup('c').data().asFloat();
        int[] predicted = new int[n * plane];
        for (int image = 0; image < n; image++) {
            int base = image * k * plane;
            for (int p = 0; p < plane; p++) {
                int best = 0;
                for (int c = 1; c < k; c++) {
                    if (z[base + c * plane + p] > z[base + best * plane + p]) {
                        best = c;
                    }
                }
                predicted[image * plane + p] = best;
            }
        }
        return predicted;
    }
}
