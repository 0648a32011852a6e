package dev.moco.bench.eval;

import dev.moco.bench.downstream.LoadedEncoder;
import dev.moco.bench.downstream.StepProgress;
import dev.moco.bench.pretrain.DataSources;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
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
record FrozenFeatures(LabelledFeatures train, LabelledFeatures test) {

    static FrozenFeatures extract(LoadedEncoder loaded, Path data, int batchSize, boolean l2Normalize, PrintStream console)
            throws IOException {
        ImageDataset probe = DataSources.open(data, "train", loaded.imageSize().orElse(28));
        int imageSize = loaded.imageSize().orElse(probe.height());
        ImageDataset train = DataSources.open(data, "train", imageSize);
        ImageDataset test = DataSources.open(data, "test", imageSize);
        if (train.channels() != loaded.spec().inputChannels()) {
            throw new IllegalArgumentException("the encoder (" + loaded.description() + ") takes " + loaded.spec().inputChannels()
                    + "-channel images but " + data + " has " + train.channels() + "-channel images");
        }
        Normalize normalize = loaded.normalize().orElseGet(() -> DataSources.estimateNormalization(train, 10_000));
        console.println("data: train " + DataSources.describe(data, train) + ", test " + test.size() + " images; input "
                + imageSize + "x" + imageSize + ", " + normalize);
        FeatureExtractor extractor = new FeatureExtractor(
                AugmentationPreset.NONE.pipeline(train.shape(), imageSize, imageSize, normalize), batchSize);
        return new FrozenFeatures(features(extractor, loaded, train, "train features", l2Normalize, console),
                features(extractor, loaded, test, "test features", l2Normalize, console));
    }

    private static LabelledFeatures features(FeatureExtractor extractor, LoadedEncoder loaded, ImageDataset data, String task,
            boolean l2Normalize, PrintStream console) {
        long start = System.nanoTime();
        try (StepProgress bar = new StepProgress(task, data.size(), console)) {
            return extractor.extract(loaded.encoder(), data, l2Normalize, done -> bar.stepTo(done,
                    String.format(java.util.Locale.ROOT, "%.0f img/s", done / ((System.nanoTime() - start) / 1e9))));
        }
    }
}
