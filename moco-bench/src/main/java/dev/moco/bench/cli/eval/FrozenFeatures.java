package dev.moco.bench.cli.eval;

import dev.moco.bench.cli.downstream.StepProgress;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.core.run.TrainingImages;
import dev.moco.core.wiring.TrainingData;
import dev.moco.downstream.FeatureExtractor;
import dev.moco.downstream.LabelledFeatures;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The frozen-feature inputs of {@code eval linear} and {@code eval knn}: the pooled backbone
 * features (inference mode, no augmentation) of the training and test splits of a data set,
 * with the encoder's recorded image size and normalisation (or the data's own size and its
 * estimated mean and standard deviation when the encoder file records none).
 *
 * @param train features of the training split
 * @param test features of the test split
 */
record FrozenFeatures(LabelledFeatures train, LabelledFeatures test) implements AutoCloseable {

    /** Frees both feature matrices at once, not when the collector finds them. */
    @Override
    public void close() {
        train.features().close();
        test.features().close();
    }

    static FrozenFeatures extract(PretrainedEncoder loaded, Path data, int batchSize, boolean l2Normalize, PrintStream console)
            throws IOException {
        ImageDataset probe = TrainingImages.open(data, "train", loaded.imageSize().orElse(28)).dataset();
        int imageSize = loaded.imageSize().orElse(probe.height());
        TrainingImages trainImages = TrainingImages.open(data, "train", imageSize);
        ImageDataset train = trainImages.dataset();
        ImageDataset test = TrainingImages.open(data, "test", imageSize).dataset();
        if (train.channels() != loaded.spec().orElseThrow().inputChannels()) {
            throw new IllegalArgumentException("the encoder (" + loaded.description() + ") takes " + loaded.spec().orElseThrow().inputChannels()
                    + "-channel images but " + data + " has " + train.channels() + "-channel images");
        }
        Normalize normalize = loaded.normalization().orElseGet(() -> TrainingData.estimateNormalization(train, 10_000));
        console.println("data: train " + trainImages + ", test " + test.size() + " images; input "
                + imageSize + "x" + imageSize + ", " + normalize);
        FeatureExtractor extractor = new FeatureExtractor(
                AugmentationPreset.NONE.pipeline(train.shape(), imageSize, imageSize, normalize), batchSize);
        return new FrozenFeatures(features(extractor, loaded, train, "train features", l2Normalize, console),
                features(extractor, loaded, test, "test features", l2Normalize, console));
    }

    private static LabelledFeatures features(FeatureExtractor extractor, PretrainedEncoder loaded, ImageDataset data, String task,
            boolean l2Normalize, PrintStream console) {
        long start = System.nanoTime();
        try (StepProgress bar = new StepProgress(task, data.size(), console)) {
            return extractor.extract(loaded.encoder(), data, l2Normalize, done -> bar.stepTo(done,
                    String.format(java.util.Locale.ROOT, "%.0f img/s", done / ((System.nanoTime() - start) / 1e9))));
        }
    }
}
