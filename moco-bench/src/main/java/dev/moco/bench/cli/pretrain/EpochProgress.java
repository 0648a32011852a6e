package dev.moco.bench.cli.pretrain;

import dev.moco.core.run.AfterEpochListener;
import dev.moco.core.run.AfterStepListener;
import dev.moco.core.run.EpochReport;
import dev.moco.core.run.StepReport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar per epoch on the console (stderr): steps done, elapsed time and ETA, and the
 * running loss, pretext accuracy and images per second.
 *
 * <pre>
 * epoch 2/5  42% [=========>            ] 53/125 (0:00:21 / 0:00:29) loss 6.8123 acc 0.2310 318 img/s
 * </pre>
 */
public final class EpochProgress implements AfterStepListener, AfterEpochListener {

    private final int epochs;
    private final PrintStream console;
    private ProgressBar bar;
    private double lossSum;
    private double accuracySum;
    private long steps;
    private long images;
    private long nanos;

    public EpochProgress(int epochs, PrintStream console) {
        this.epochs = epochs;
        this.console = console;
    }

    @Override
    public void afterStep(StepReport step) {
        if (bar == null) {
            bar = new ProgressBarBuilder()
                    .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", step.position().epoch() + 1, epochs))
                    .setInitialMax(step.position().stepsPerEpoch())
                    .startsFrom(step.position().stepInEpoch() - 1, Duration.ZERO)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(console, 120))
                    .build();
            lossSum = 0;
            accuracySum = 0;
            steps = 0;
            images = 0;
            nanos = 0;
        }
        lossSum += step.loss();
        accuracySum += step.pretextAccuracy();
        steps++;
        images += step.images();
        nanos += step.stepNanos();
        bar.stepTo(step.position().stepInEpoch());
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.4f %.0f img/s",
                lossSum / steps, accuracySum / steps, images / (nanos / 1e9)));
        if (step.endsEpoch()) {
            close();
        }
    }

    @Override
    public void afterEpoch(EpochReport epoch) {
        close();
    }

    /** Ends the current bar, if any (also when training stops early). */
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
