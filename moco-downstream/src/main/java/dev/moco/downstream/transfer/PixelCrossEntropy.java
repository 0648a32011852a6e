package dev.moco.downstream.transfer;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;

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
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("pixel " + i % plane + " of image " + i / plane + " has label " + labels[i]
                        + " outside [0, " + k + ")");
            }
        }
        INDArray gradient = NativeValues.like(logits);
        NativeValues z = NativeValues.of(logits);
        NativeValues g = NativeValues.of(gradient);
        double scale = 1.0 / labels.length;
        double[] imageLoss = new double[n];
        // images are independent: split over the cores the native ops leave idle while the loss runs
        IntStream.range(0, n).parallel().forEach(image -> imageLoss[image] = image(z, g, labels, image, k, plane, scale));
        double loss = 0;
        for (double l : imageLoss) {
            loss += l;
        }
        return new LossResult(loss * scale, gradient);
    }

    /**
     * Writes image {@code image}'s gradient and returns the sum of its pixels' losses. The image
     * is read once into a scratch array and worked channel by channel (loops over contiguous
     * pixels): one exp per logit, softmax = exp(z − max) / Σ exp(z − max), in the logits'
     * precision ({@link FloatExp} for FLOAT, {@link Math#exp} for DOUBLE).
     */
    private static double image(NativeValues z, NativeValues g, int[] labels, int image, int k, int plane, double scale) {
        Scratch scratch = SCRATCH.get().fit(k * plane, plane);
        double[] v = scratch.values;
        double[] max = scratch.max;
        double[] sum = scratch.sum;
        int base = image * k * plane;
        int labelBase = image * plane;
        z.read(base, v, k * plane);
        System.arraycopy(v, 0, max, 0, plane);
        for (int c = 1; c < k; c++) {
            for (int p = 0, i = c * plane; p < plane; p++, i++) {
                max[p] = Math.max(max[p], v[i]);
            }
        }
        double loss = 0;
        for (int p = 0; p < plane; p++) {
            loss -= v[labels[labelBase + p] * plane + p] - max[p];
            sum[p] = 0;
        }
        boolean single = z.isFloat();
        for (int c = 0; c < k; c++) {
            for (int p = 0, i = c * plane; p < plane; p++, i++) {
                double shifted = v[i] - max[p];
                v[i] = single ? FloatExp.ofNonPositive((float) shifted) : Math.exp(shifted);
                sum[p] += v[i];
            }
        }
        for (int p = 0; p < plane; p++) {
            loss += Math.log(sum[p]);
            sum[p] = scale / sum[p];
        }
        for (int c = 0; c < k; c++) {
            for (int p = 0, i = c * plane; p < plane; p++, i++) {
                v[i] *= sum[p];
            }
        }
        for (int p = 0; p < plane; p++) {
            v[labels[labelBase + p] * plane + p] -= scale;
        }
        g.write(base, v, k * plane);
        return loss;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A thread's working arrays for one image, grown to the largest image seen and then reused. */
    private static final class Scratch {
        double[] values = new double[0];
        double[] max = new double[0];
        double[] sum = new double[0];

        Scratch fit(int elements, int plane) {
            if (values.length < elements) {
                values = new double[elements];
            }
            if (max.length < plane) {
                max = new double[plane];
                sum = new double[plane];
            }
            return this;
        }
    }

    /** The highest-scoring class of every pixel, [N, H, W] flattened like the labels. */
    public static int[] predict(INDArray logits) {
        long[] shape = logits.shape();
        int n = (int) shape[0];
        int k = (int) shape[1];
        int plane = (int) (shape[2] * shape[3]);
        NativeValues z = NativeValues.of(logits);
        int[] predicted = new int[n * plane];
        for (int image = 0; image < n; image++) {
            int base = image * k * plane;
            for (int p = 0; p < plane; p++) {
                int best = 0;
                for (int c = 1; c < k; c++) {
                    if (z.get(base + c * plane + p) > z.get(base + best * plane + p)) {
                        best = c;
                    }
                }
                predicted[image * plane + p] = best;
            }
        }
        return predicted;
    }
}
