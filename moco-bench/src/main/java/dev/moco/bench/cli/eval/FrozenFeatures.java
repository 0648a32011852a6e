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

    /**
     * The two splits, read and checked against the encoder; nothing extracted yet.
     *
     * @param train the training split
     * @param test the test split, with the training split's channel count
     */
    record Splits(ImageDataset train, ImageDataset test, int imageSize, Normalize normalize) {

        /**
         * @param channels 1 or 3 to read an image folder so, 0 for the training split's own
         *     (1 if every image is grey, else 3); the test split is read like the training split
         */
        static Splits open(PretrainedEncoder loaded, Path data, int channels, PrintStream console) {
            int imageSize = loaded.imageSize().orElseGet(() -> TrainingImages.open(data, "train", 28, channels).dataset().height());
            TrainingImages trainImages = TrainingImages.open(data, "train", imageSize, channels);
            ImageDataset train = trainImages.dataset();
            int encoderChannels = loaded.spec().orElseThrow().inputChannels();
            if (train.channels() != encoderChannels) {
                throw new IllegalArgumentException("the encoder (" + loaded.description() + ") takes " + encoderChannels
                        + "-channel images but " + data + " has " + train.channels() + "-channel images"
                        + (channels == 0 ? " (pass --channels " + encoderChannels + " to convert them)" : ""));
            }
            ImageDataset test = TrainingImages.open(data, "test", imageSize, train.channels()).dataset();
            Normalize normalize = loaded.normalization().orElseGet(() -> TrainingData.estimateNormalization(train, 10_000));
            console.println("data: train " + trainImages + ", test " + test.size() + " images; input "
                    + imageSize + "x" + imageSize + ", " + normalize);
            return new Splits(train, test, imageSize, normalize);
        }

        FrozenFeatures extract(PretrainedEncoder loaded, int batchSize, boolean l2Normalize, PrintStream console) {
            FeatureExtractor extractor = new FeatureExtractor(
                    AugmentationPreset.NONE.pipeline(train.shape(), imageSize, imageSize, normalize), batchSize);
            return new FrozenFeatures(features(extractor, loaded, train, "train features", l2Normalize, console),
                    features(extractor, loaded, test, "test features", l2Normalize, console));
        }
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
