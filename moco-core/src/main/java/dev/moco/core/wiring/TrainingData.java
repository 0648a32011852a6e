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

    /** Images hashed into a {@link #fingerprint}. */
    static final int FINGERPRINT_IMAGES = 16;

    /**
     * What identifies a data set cheaply, recorded in checkpoints and compared on resume: the
     * image count, the shape and a SHA-256 of the first {@value #FINGERPRINT_IMAGES} images'
     * pixels, e.g. {@code 60000 images of 1x28x28, first 16 sha256 3f2a...}.
     *
     * @param data the images
     * @return the fingerprint
     */
    public static String fingerprint(ImageDataset data) {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
        float[] image = new float[data.shape().length()];
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(image.length * Float.BYTES);
        int count = Math.min(FINGERPRINT_IMAGES, data.size());
        for (int i = 0; i < count; i++) {
            data.readImage(i, image, 0);
            bytes.clear();
            bytes.asFloatBuffer().put(image);
            sha.update(bytes.array());
        }
        String hex = java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        return data.size() + " images of " + data.shape() + ", first " + count + " sha256 " + hex;
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
