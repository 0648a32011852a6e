package dev.moco.bench.experiment;

import dev.moco.api.Encoder;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.downstream.FeatureExtractor;
import dev.moco.downstream.KnnClassifier;
import dev.moco.downstream.LabelledFeatures;
import dev.moco.downstream.LinearProbe;
import dev.moco.downstream.LinearProbeSettings;

/**
 * Scores a frozen encoder's representation (backbone output, BN in inference mode) with the
 * full protocol: the whole training split is the kNN bank and the linear probe's training
 * set, the test split the queries.
 *
 * <ul>
 *   <li>kNN: {@link KnnClassifier} with k = 200, cosine similarity, votes exp(s / 0.1) (Wu et
 *       al. 2018), as {@code ./moco eval knn} is specified.</li>
 *   <li>Linear: moco-downstream's {@link LinearProbe} with the preset of {@code ./moco eval linear}
 *       ({@link LinearProbeSettings#preset()}: features as they are, SGD with momentum 0.9, no
 *       weight decay, lr 30 divided by 10 at 60% and 80% of training, batch 256), for
 *       {@link Budget#linearEpochs()} epochs (the preset's 100 on the small and full budgets).</li>
 * </ul>
 */
final class Evaluation {

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
            top1 = new LinearProbe(linearSettings(linearEpochs, seed)).fit(train).accuracy(test);
        }
        return new Scores(knn, top1, (System.nanoTime() - start) / 1e9);
    }

    /** eval linear's preset, its step schedule's milestones kept at the same fractions of {@code epochs}. */
    static LinearProbeSettings linearSettings(int epochs, long seed) {
        LinearProbeSettings preset = LinearProbeSettings.preset();
        StringBuilder milestones = new StringBuilder();
        for (int m : preset.milestones()) {
            milestones.append(milestones.length() == 0 ? "" : ",").append(Math.max(1, Math.round((float) m * epochs / preset.epochs())));
        }
        return preset.with("epochs", Integer.toString(epochs)).with("milestones", milestones.toString())
                .with("seed", Long.toString(seed));
    }

    private static LabelledFeatures normalized(LabelledFeatures f) {
        return new LabelledFeatures(FeatureExtractor.l2NormalizeRows(f.features().dup()), f.labels());
    }
}
