package dev.moco.downstream.metrics;

import java.util.Arrays;

/**
 * Pixel counts of (true class, predicted class) over a segmentation test set, accumulated
 * image by image; {@link #scores()} turns them into per-class IoU and mIoU.
 *
 * <pre>{@code
 * ConfusionMatrix m = new ConfusionMatrix(11);   // background + 10 garment classes
 * m.add(truthLabels, predictedLabels);           // one image or a whole batch, flattened
 * double miou = m.scores().meanIou();
 * }</pre>
 */
public final class ConfusionMatrix {

    private final int classes;
    private final long[] counts; // [truth * classes + predicted]

    public ConfusionMatrix(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("need at least one class, got " + classes);
        }
        this.classes = classes;
        this.counts = new long[classes * classes];
    }

    public int classes() {
        return classes;
    }

    /** Adds the pixels of {@code truth} and {@code predicted} (same length, labels in [0, classes)). */
    public void add(int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(truth.length + " true labels but " + predicted.length + " predictions");
        }
        for (int i = 0; i < truth.length; i++) {
            int t = truth[i];
            int p = predicted[i];
            if (t < 0 || t >= classes || p < 0 || p >= classes) {
                throw new IllegalArgumentException("pixel " + i + " has label " + t + " / prediction " + p
                        + " outside [0, " + classes + ")");
            }
            counts[t * classes + p]++;
        }
    }

    /** How many pixels of true class {@code truth} were predicted as {@code predicted}. */
    public long count(int truth, int predicted) {
        return counts[truth * classes + predicted];
    }

    public SegmentationScores scores() {
        double[] iou = new double[classes];
        double sum = 0;
        int present = 0;
        long correct = 0;
        long total = 0;
        for (int c = 0; c < classes; c++) {
            long tp = count(c, c);
            long truthTotal = 0;
            long predictedTotal = 0;
            for (int o = 0; o < classes; o++) {
                truthTotal += count(c, o);
                predictedTotal += count(o, c);
            }
            long union = truthTotal + predictedTotal - tp;
            iou[c] = union == 0 ? Double.NaN : (double) tp / union;
            if (union > 0) {
                sum += iou[c];
                present++;
            }
            correct += tp;
            total += truthTotal;
        }
        return new SegmentationScores(present == 0 ? Double.NaN : sum / present, iou,
                total == 0 ? Double.NaN : (double) correct / total);
    }

    @Override
    public String toString() {
        return "ConfusionMatrix(" + classes + " classes, " + Arrays.stream(counts).sum() + " pixels)";
    }
}
