package dev.moco.bench.cli.downstream;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A console progress bar (stderr) for the downstream commands: one per epoch or per
 * extraction pass, with a free-form message (running loss, images per second).
 */
public final class StepProgress implements AutoCloseable {

    private final ProgressBar bar;

    public StepProgress(String task, long total, PrintStream console) {
        this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(console, 120)).build();
    }

    public void stepTo(long done, String message) {
        bar.stepTo(done);
        bar.setExtraMessage(message);
    }

    @Override
    public void close() {
        bar.close();
    }
}
