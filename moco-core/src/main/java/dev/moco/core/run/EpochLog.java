package dev.moco.core.run;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One line per epoch, after the epoch's other listeners ran (so it shows the metrics they
 * added), as {@code ./moco pretrain} prints it:
 *
 * <pre>
 * epoch 3/5: loss 6.1234, pretext-accuracy 0.4512, knn-accuracy 0.7315, 402 img/s, lr 0.0150
 * </pre>
 */
public final class EpochLog implements AfterEpochListener {

    private final int epochs;
    private final PrintStream out;

    /**
     * @param epochs the run's epochs, printed as the denominator
     * @param out where the lines go
     */
    public EpochLog(int epochs, PrintStream out) {
        this.epochs = epochs;
        this.out = out;
    }

    @Override
    public void afterEpoch(EpochReport e) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "epoch %d/%d: loss %.4f, pretext-accuracy %.4f", e.epoch(), epochs, e.meanLoss(), e.meanPretextAccuracy()));
        e.metric(EpochReport.KNN_ACCURACY).ifPresent(knn -> line.append(String.format(Locale.ROOT, ", knn-accuracy %.4f", knn)));
        line.append(String.format(Locale.ROOT, ", %.0f img/s, lr %.4g", e.imagesPerSecond(), e.learningRate()));
        out.println(line);
        out.flush();
    }
}
