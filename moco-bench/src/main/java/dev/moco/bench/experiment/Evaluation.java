package dev.moco.bench.experiment;

import dev.moco.api.Encoder;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.downstream.FeatureExtractor;
import dev.moco.downstream.KnnClassifier;
import dev.moco.downstream.LabelledFeatures;
import dev.moco.downstream.LinearProbe;

/**
 * Scores a frozen encoder's representation (backbone output, BN in inference mode) with the
 * full protocol: the whole training split is the kNN bank and the linear probe's training
 * set, the test split the queries.
 *
 * <ul>
 *   <li>kNN: {@link KnnClassifier} with k = 200, cosine similarity, votes exp(s / 0.1) (Wu et
 *       al. 2018), as {@code ./moco eval knn} is specified.</li>
 *   <li>Linear: moco-downstream's {@link LinearProbe} (features standardised, SGD with momentum
 *       0.9, batch 256, lr 0.1, no weight decay, {@link Budget#linearEpochs()} epochs), used
 *       until {@code ./moco eval linear} exists.</li>
 * </ul>
 */
final class Evaluation {

    static final int LINEAR_BATCH = 256;
    static final double LINEAR_LR = 0.1;
    static final double LINEAR_MOMENTUM = 0.9;

    /** @param knn kNN top-1 on the test split; @param linear linear top-1 (NaN if not asked); @param seconds time taken */
    record Scores(double knn, double linear, double seconds) {}

    private final ExperimentData data;
    private final FeatureExtractor extractor;
    private final int linearEpochs;

    Evaluation(ExperimentData data, int linearEpochs) {
        this.data = data;
        this.linearEpochs = linearEpochs;
        this.extractor = new FeatureExtractor(AugmentationPreset.NONE.pipeline(data.train().shape(), data.imageSize(),
                data.imageSize(), data.normalize()), 256);
    }

    /** kNN and, if {@code linear}, linear accuracy of {@code encoder} as it is now. */
    Scores evaluate(Encoder encoder, boolean linear, long seed) {
        long start = System.nanoTime();
        LabelledFeatures train = extractor.extract(encoder, data.train(), false);
        LabelledFeatures test = extractor.extract(encoder, data.test(), false);
        double knn = new KnnClassifier(normalized(train), KnnClassifier.DEFAULT_K, KnnClassifier.DEFAULT_TEMPERATURE)
                .accuracy(normalized(test));
        double top1 = Double.NaN;
        if (linear) {
            top1 = new LinearProbe(linearEpochs, LINEAR_BATCH, LINEAR_LR, LINEAR_MOMENTUM, 0.0, seed).fit(train).accuracy(test);
        }
        return new Scores(knn, top1, (System.nanoTime() - start) / 1e9);
    }

    private static LabelledFeatures normalized(LabelledFeatures f) {
        return new LabelledFeatures(FeatureExtractor.l2NormalizeRows(f.features().dup()), f.labels());
    }
}
