package dev.moco.downstream;

import dev.moco.api.Encoder;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.EpochReport;

/**
 * The kNN monitor of the MoCo and InstDisc training scripts: after each epoch, the frozen
 * query encoder's L2-normalised representations of the training images form the memory bank,
 * and each held-out image is classified by a {@link KnnClassifier} (k = 200, τ = 0.1) over
 * it. Unlike the pretext accuracy, this tracks how useful the representation is; when it
 * falls while the pretext accuracy approaches 100%, the encoder has found a shortcut (the BN
 * "cheating" of He et al. 2020, Sec. 3.3).
 *
 * <pre>{@code
 * KnnMonitor monitor = new KnnMonitor(trainer.queryEncoder(), split.train(), split.heldOut(), extractor);
 * double before = monitor.evaluate();                   // untrained baseline
 * run.addAfterEpochListener(monitor);                   // adds EpochReport.KNN_ACCURACY each epoch
 * }</pre>
 */
public final class KnnMonitor implements AfterEpochListener {

    private final Encoder encoder;
    private final ImageDataset bank;
    private final ImageDataset heldOut;
    private final FeatureExtractor extractor;
    private final int k;
    private final double temperature;

    public KnnMonitor(Encoder encoder, ImageDataset bank, ImageDataset heldOut, FeatureExtractor extractor,
            int k, double temperature) {
        if (heldOut.size() == 0) {
            throw new IllegalArgumentException("the kNN monitor needs held-out images; the held-out split is empty");
        }
        this.encoder = encoder;
        this.bank = bank;
        this.heldOut = heldOut;
        this.extractor = extractor;
        this.k = k;
        this.temperature = temperature;
    }

    /** k = 200, τ = 0.1. */
    public KnnMonitor(Encoder encoder, ImageDataset bank, ImageDataset heldOut, FeatureExtractor extractor) {
        this(encoder, bank, heldOut, extractor, KnnClassifier.DEFAULT_K, KnnClassifier.DEFAULT_TEMPERATURE);
    }

    /** The held-out kNN accuracy of the encoder as it is now. */
    public double evaluate() {
        LabelledFeatures train = extractor.extract(encoder, bank, true);
        LabelledFeatures test = extractor.extract(encoder, heldOut, true);
        try {
            return new KnnClassifier(train, k, temperature).accuracy(test);
        } finally {
            train.features().close();   // at once, not when the collector finds them
            test.features().close();
        }
    }

    /** Adds {@link EpochReport#KNN_ACCURACY} to the report. */
    @Override
    public void afterEpoch(EpochReport epoch) {
        epoch.putMetric(EpochReport.KNN_ACCURACY, evaluate());
    }
}
