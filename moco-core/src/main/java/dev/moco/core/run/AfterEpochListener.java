package dev.moco.core.run;

/**
 * Called by a training loop after every epoch, in registration order. An early listener may
 * add metrics to the {@link EpochReport} (the kNN monitor adds its accuracy) that later ones
 * read (the metrics file, the chart, the checkpoint).
 *
 * <pre>{@code
 * AfterEpochListener print = epoch -> System.out.println(epoch.epoch() + ": " + epoch.meanLoss());
 * }</pre>
 */
@FunctionalInterface
public interface AfterEpochListener {

    /**
     * @param epoch the finished epoch; listeners may add metrics to it
     */
    void afterEpoch(EpochReport epoch);
}
