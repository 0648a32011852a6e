package dev.moco.core.data;

/**
 * A finite, indexable set of equally sized images, each with an optional class label.
 *
 * <p>Images are read as floats in CHW order (channel-major, then rows, then columns) with
 * values in [0, 1]. Implementations must allow concurrent {@link #readImage} calls from
 * several threads: the augmentation workers read in parallel.
 *
 * <pre>{@code
 * ImageDataset data = IdxDataset.open(Path.of("/usr/share/datasets/fashion-mnist"), Split.TRAIN);
 * float[] pixels = new float[data.shape().length()];
 * data.readImage(0, pixels, 0);
 * int label = data.label(0);
 * }</pre>
 */
public interface ImageDataset {

    /** Number of images. */
    int size();

    /** Shape of every image. */
    ImageShape shape();

    /** The class label of image {@code index}, from 0, or -1 when the data set is unlabelled. */
    int label(int index);

    /**
     * Writes image {@code index} into {@code destination[offset .. offset + shape().length())}
     * in CHW order with values in [0, 1].
     */
    void readImage(int index, float[] destination, int offset);

    default int channels() {
        return shape().channels();
    }

    default int height() {
        return shape().height();
    }

    default int width() {
        return shape().width();
    }
}
