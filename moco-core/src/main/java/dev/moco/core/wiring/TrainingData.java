package dev.moco.core.wiring;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.SequentialBatchIterator;
import dev.moco.core.data.augment.Normalize;
import java.util.Iterator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training images of a run and the per-channel normalisation every view of them gets
 * (the last step of the augmentation, and the evaluation transform recorded in checkpoints).
 *
 * <pre>{@code
 * TrainingData data = TrainingData.estimated(IdxDataset.open(dir, Split.TRAIN));
 * }</pre>
 *
 * @param images the training set, all images of one shape
 * @param normalize per-channel mean and standard deviation
 */
public record TrainingData(ImageDataset images, Normalize normalize) {

    /** Images sampled to estimate the normalisation: enough for two decimals of mean and std. */
    public static final int NORMALIZATION_SAMPLES = 2_000;

    /** {@code images} with the mean and standard deviation of up to 2,000 of them spread evenly over the set. */
    public static TrainingData estimated(ImageDataset images) {
        return new TrainingData(images, estimateNormalization(images, NORMALIZATION_SAMPLES));
    }

    /** The training images without augmentation, normalised, in index order, in batches of {@code batchSize}. */
    public Iterator<INDArray> inIndexOrder(int batchSize) {
        SequentialBatchIterator batches = SequentialBatchIterator.normalized(images, batchSize, normalize);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return batches.hasNext();
            }

            @Override
            public INDArray next() {
                return batches.next().images();
            }
        };
    }

    /**
     * Per-channel mean and standard deviation of up to {@code samples} images spread evenly
     * over the data set.
     */
    public static Normalize estimateNormalization(ImageDataset data, int samples) {
        int channels = data.channels();
        int plane = data.height() * data.width();
        double[] sum = new double[channels];
        double[] sumSquares = new double[channels];
        float[] image = new float[data.shape().length()];
        int count = Math.min(samples, data.size());
        for (int s = 0; s < count; s++) {
            data.readImage((int) ((long) s * data.size() / count), image, 0);
            for (int c = 0; c < channels; c++) {
                for (int p = c * plane; p < (c + 1) * plane; p++) {
                    sum[c] += image[p];
                    sumSquares[c] += (double) image[p] * image[p];
                }
            }
        }
        float[] mean = new float[channels];
        float[] std = new float[channels];
        double n = (double) count * plane;
        for (int c = 0; c < channels; c++) {
            double m = sum[c] / n;
            mean[c] = (float) m;
            std[c] = (float) Math.max(1e-3, Math.sqrt(Math.max(0, sumSquares[c] / n - m * m)));
        }
        return new Normalize(mean, std);
    }
}
