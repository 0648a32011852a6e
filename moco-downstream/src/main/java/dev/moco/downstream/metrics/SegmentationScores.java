package dev.moco.downstream.metrics;

/**
 * Semantic segmentation scores from a {@link ConfusionMatrix}.
 *
 * @param meanIou the mean of {@code classIou} over the classes present in the prediction or
 *     the truth (NaN entries left out, as mmsegmentation's and torchmetrics' nan-mean do)
 * @param classIou per class: TP / (TP + FP + FN), NaN for a class absent from both
 * @param pixelAccuracy fraction of pixels whose predicted class is the true one
 */
public record SegmentationScores(double meanIou, double[] classIou, double pixelAccuracy) {

    public SegmentationScores {
        classIou = classIou.clone();
    }

    @Override
    public double[] classIou() {
        return classIou.clone();
    }
}
