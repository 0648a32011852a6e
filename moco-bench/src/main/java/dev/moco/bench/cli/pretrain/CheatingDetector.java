package dev.moco.bench.cli.pretrain;

import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.EpochReport;
import java.io.PrintStream;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Warns when the pretext task looks solved while the representation gets worse: the pretext
 * accuracy is above 99% and the kNN accuracy fell since the previous evaluation. He et al.
 * (2020, Sec. 3.3) describe this for batch normalisation without shuffling: the model
 * "cheats" the pretext task through intra-batch statistics and finds a low-loss solution
 * that does not generalise. Shuffle BN ({@code shuffle.enabled=true} with {@code shuffle.groups} > 1)
 * prevents it.
 */
public final class CheatingDetector implements AfterEpochListener {

    /** Pretext accuracy above which the task counts as (nearly) solved. */
    public static final double PRETEXT_THRESHOLD = 0.99;

    private final PrintStream warnings;
    private double previousKnn = Double.NaN;
    private int warningsIssued;

    public CheatingDetector(PrintStream warnings) {
        this.warnings = warnings;
    }

    /** Seeds the comparison with an earlier kNN accuracy (the untrained encoder's, or a resumed run's last). */
    public void setPreviousKnnAccuracy(double knn) {
        previousKnn = knn;
    }

    @Override
    public void afterEpoch(EpochReport epoch) {
        OptionalDouble knn = epoch.metric(EpochReport.KNN_ACCURACY);
        if (knn.isEmpty()) {
            return;
        }
        double now = knn.getAsDouble();
        if (epoch.meanPretextAccuracy() > PRETEXT_THRESHOLD && now < previousKnn) {
            warningsIssued++;
            warnings.printf(Locale.ROOT, "warning: epoch %d: pretext accuracy %.2f%% while kNN accuracy fell from %.4f to %.4f;"
                    + " the encoder may be cheating the pretext task through batch-norm statistics"
                    + " (He et al. 2020, Sec. 3.3): keep shuffle BN on (shuffle.enabled=true, shuffle.groups > 1)%n",
                    epoch.epoch(), 100 * epoch.meanPretextAccuracy(), previousKnn, now);
            warnings.flush();
        }
        previousKnn = now;
    }

    /** How many warnings were printed. */
    public int warningsIssued() {
        return warningsIssued;
    }
}
