package dev.moco.downstream;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Feature vectors with their class labels: row i of {@code features} belongs to
 * {@code labels[i]}.
 *
 * @param features [N, D]
 * @param labels N class labels, from 0; -1 marks an unlabelled image (export only)
 */
public record LabelledFeatures(INDArray features, int[] labels) {

    public LabelledFeatures {
        if (features.rank() != 2) {
            throw new IllegalArgumentException("features must be [N, D], got shape " + Arrays.toString(features.shape()));
        }
        if (features.size(0) != labels.length) {
            throw new IllegalArgumentException(features.size(0) + " feature rows but " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < -1) {
                throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " is invalid");
            }
        }
    }

    /**
     * Checks that every row has a label.
     *
     * @throws IllegalArgumentException naming the first unlabelled row and {@code purpose}
     */
    public LabelledFeatures requireLabelled(String purpose) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException(purpose + " needs labelled images, but image " + i + " has no label");
            }
        }
        return this;
    }

    /**
     * Fraction of rows whose predicted class is their label (NaN for no rows).
     *
     * @param purpose names the evaluation in the error when a row has no label
     */
    public double accuracyOf(int[] predicted, String purpose) {
        requireLabelled(purpose);
        if (predicted.length != labels.length) {
            throw new IllegalArgumentException(purpose + ": " + predicted.length + " predictions for " + labels.length + " rows");
        }
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return predicted.length == 0 ? Double.NaN : (double) correct / predicted.length;
    }

    public int size() {
        return labels.length;
    }

    /** One more than the largest label. */
    public int classCount() {
        return Arrays.stream(labels).max().orElse(-1) + 1;
    }
}
