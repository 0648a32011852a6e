package dev.moco.bench.experiment;

import dev.moco.core.data.DatasetSplit;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.Subset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.TrainingImages;
import dev.moco.core.wiring.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The data of an experiment: the training and test splits of {@code --data}, the fixed subset
 * of the training split that every run of the budget pretrains on, and the normalisation
 * estimated from that subset (applied to training views and evaluation images alike).
 *
 * @param train the whole training split: the kNN bank and the linear probe's training set
 * @param test the test split: the queries of kNN and the linear probe's test set
 * @param pretraining the images each run pretrains on
 */
public record ExperimentData(Path directory, ImageDataset train, ImageDataset test, ImageDataset pretraining,
        Normalize normalize, int imageSize) {

    /** The subset is drawn from this seed, not the run's, so that runs of every seed see the same images. */
    static final long SUBSET_SEED = 0x5eedL;

    /**
     * @throws IllegalArgumentException if {@code directory} lacks a training or test split
     */
    public static ExperimentData open(Path directory, Budget budget, int imageSize) throws IOException {
        ImageDataset train = TrainingImages.open(directory, "train", imageSize).dataset();
        ImageDataset test = TrainingImages.open(directory, "test", imageSize).dataset();
        ImageDataset pretraining = pretrainingSubset(train, budget);
        Normalize normalize = TrainingData.estimateNormalization(pretraining, TrainingData.NORMALIZATION_SAMPLES);
        return new ExperimentData(directory, train, test, pretraining, normalize, imageSize);
    }

    /** The budget's fixed subset of {@code pool}: all of it on the full budget. */
    private static ImageDataset pretrainingSubset(ImageDataset pool, Budget budget) {
        return budget.pretrainImages() == 0 || budget.pretrainImages() >= pool.size() ? pool
                : DatasetSplit.holdOut(pool, budget.pretrainImages(), SUBSET_SEED).heldOut();
    }

    /**
     * This data with pretraining restricted to the training images of {@code classes}: the
     * budget's number of them (all of them on the full budget), drawn as {@link #open} draws
     * its subset, with the normalisation estimated from them. Evaluation keeps every class.
     *
     * @throws IllegalArgumentException if a class has no training image or is listed twice
     */
    public ExperimentData pretrainingOn(int[] classes, Budget budget) {
        ImageDataset pool = Subset.ofClasses(train, classes);
        ImageDataset subset = pretrainingSubset(pool, budget);
        return new ExperimentData(directory, train, test, subset,
                TrainingData.estimateNormalization(subset, TrainingData.NORMALIZATION_SAMPLES), imageSize);
    }

    /** A one-line description for the log. */
    public String describe() {
        return String.format(Locale.ROOT, "%s: pretraining on %,d of %,d training images; evaluation: %,d training images"
                + " as the bank, %,d test images as queries", directory, pretraining.size(), train.size(), train.size(),
                test.size());
    }
}
