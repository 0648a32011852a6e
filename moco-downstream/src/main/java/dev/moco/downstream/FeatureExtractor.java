package dev.moco.downstream;

import dev.moco.api.Encoder;
import dev.moco.api.kit.StepWorkspace;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.LabelledBatch;
import dev.moco.core.data.SequentialBatchIterator;
import dev.moco.core.data.augment.AugmentationPipeline;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runs a frozen encoder's {@link Encoder#represent} (backbone output, inference mode) over a
 * whole data set, in data set order, in batches: the features for kNN and linear evaluation
 * and for export.
 *
 * <pre>{@code
 * FeatureExtractor extractor = new FeatureExtractor(
 *         AugmentationPreset.NONE.pipeline(data.shape(), Normalize.FASHION_MNIST), 256);
 * LabelledFeatures f = extractor.extract(encoder, data, true);   // L2-normalised rows
 * }</pre>
 */
public final class FeatureExtractor {

    private final AugmentationPipeline preprocessing;
    private final int batchSize;

    /**
     * @param preprocessing the deterministic evaluation transform (resize, normalisation),
     *     typically {@code AugmentationPreset.NONE}'s pipeline; it must not draw random numbers
     *     for the features to be reproducible
     * @param batchSize images per {@link Encoder#represent} call
     */
    public FeatureExtractor(AugmentationPipeline preprocessing, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.preprocessing = preprocessing;
        this.batchSize = batchSize;
    }

    /**
     * The representation of every image of {@code data}, [size, D], with its labels.
     *
     * @param l2Normalize divide each row by its L2 norm (what the kNN monitor compares)
     */
    public LabelledFeatures extract(Encoder encoder, ImageDataset data, boolean l2Normalize) {
        return extract(encoder, data, l2Normalize, done -> { });
    }

    /**
     * As {@link #extract(Encoder, ImageDataset, boolean)}, reporting the number of images done
     * after each batch (for a progress bar).
     */
    public LabelledFeatures extract(Encoder encoder, ImageDataset data, boolean l2Normalize, IntConsumer progress) {
        if (!preprocessing.inputShape().equals(data.shape())) {
            throw new IllegalArgumentException("the evaluation transform expects images of " + preprocessing.inputShape()
                    + " but the data set has " + data.shape());
        }
        int n = data.size();
        int[] labels = new int[n];
        INDArray features = Nd4j.create(DataType.FLOAT, n, encoder.representationDimension());
        SequentialBatchIterator batches = new SequentialBatchIterator(data, preprocessing, batchSize);
        while (batches.hasNext()) {
            int done;
            try (MemoryWorkspace batchMemory = StepWorkspace.open(StepWorkspace.EVALUATION_BATCH)) {
                LabelledBatch batch = batches.next();
                int start = batch.firstIndex();
                System.arraycopy(batch.labels(), 0, labels, start, batch.size());
                features.get(NDArrayIndex.interval(start, start + batch.size())).assign(encoder.represent(batch.images()));
                done = start + batch.size();
            }
            progress.accept(done);
        }
        if (l2Normalize) {
            l2NormalizeRows(features);
        }
        return new LabelledFeatures(features, labels);
    }

    /** Divides each row of {@code features} by its L2 norm (rows of zeros stay zero), in place. */
    public static INDArray l2NormalizeRows(INDArray features) {
        try (MemoryWorkspace normsMemory = StepWorkspace.open(StepWorkspace.EVALUATION_BATCH)) {
            INDArray norms = features.norm2(1).reshape(features.size(0), 1);
            norms.addi(1e-12);
            features.diviColumnVector(norms);
        }
        return features;
    }
}
