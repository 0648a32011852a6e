package dev.moco.core.data;

import dev.moco.api.kit.SplitMix64;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.ImageBuffer;
import dev.moco.core.data.augment.Normalize;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Walks a data set in its own order, in batches of up to N images (the last batch may be
 * smaller; no image is dropped), each with its label: the input of kNN evaluation, linear
 * probing and feature export. Runs on the calling thread.
 *
 * <pre>{@code
 * SequentialBatchIterator batches = SequentialBatchIterator.normalized(heldOut, 512, Normalize.FASHION_MNIST);
 * while (batches.hasNext()) {
 *     LabelledBatch b = batches.next();
 *     INDArray features = encoder.encode(b.images());
 * }
 * }</pre>
 */
public final class SequentialBatchIterator implements Iterator<LabelledBatch> {

    private final ImageDataset dataset;
    private final AugmentationPipeline pipeline;
    private final int batchSize;
    private final ImageBuffer buffer = new ImageBuffer();
    private final SplitMix64 random = new SplitMix64(0);
    private final float[] source;
    private int position;

    /**
     * @param pipeline applied to every image; normally {@link AugmentationPreset#NONE} (resize
     *     and normalise only). A random pipeline is seeded from the image index, so repeated
     *     passes give the same output.
     */
    public SequentialBatchIterator(ImageDataset dataset, AugmentationPipeline pipeline, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (!dataset.shape().equals(pipeline.inputShape())) {
            throw new IllegalArgumentException("the data set's images are " + dataset.shape()
                    + " but the pipeline expects " + pipeline.inputShape());
        }
        this.dataset = dataset;
        this.pipeline = pipeline;
        this.batchSize = batchSize;
        this.source = new float[dataset.shape().length()];
    }

    /** Batches of the images normalised with {@code normalize}, at their own size. */
    public static SequentialBatchIterator normalized(ImageDataset dataset, int batchSize, Normalize normalize) {
        return new SequentialBatchIterator(dataset,
                AugmentationPreset.NONE.pipeline(dataset.shape(), normalize), batchSize);
    }

    @Override
    public boolean hasNext() {
        return position < dataset.size();
    }

    @Override
    public LabelledBatch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("all " + dataset.size() + " images have been delivered");
        }
        int n = Math.min(batchSize, dataset.size() - position);
        ImageShape out = pipeline.outputShape();
        int length = out.length();
        float[] data = new float[n * length];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int index = position + i;
            dataset.readImage(index, source, 0);
            random.reseed(SplitMix64.derive(0, index));
            pipeline.apply(source, 0, random, buffer, data, i * length);
            labels[i] = dataset.label(index);
        }
        INDArray images = Nd4j.create(data, new long[] {n, out.channels(), out.height(), out.width()},
                DataType.FLOAT);
        LabelledBatch batch = new LabelledBatch(images, labels, position);
        position += n;
        return batch;
    }
}
