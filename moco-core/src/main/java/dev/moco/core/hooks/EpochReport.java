package dev.moco.core.hooks;

import dev.moco.core.checkpoint.TrainingPosition;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What an {@link AfterEpochListener} learns about a finished epoch, plus named metrics that
 * listeners add for the ones after them (e.g. {@value #KNN_ACCURACY}).
 */
public final class EpochReport {

    /** Metric name of the kNN accuracy on the held-out split. */
    public static final String KNN_ACCURACY = "knn-accuracy";

    private final TrainingPosition position;
    private final int epoch;
    private final long globalStep;
    private final long steps;
    private final double meanLoss;
    private final double meanPretextAccuracy;
    private final double imagesPerSecond;
    private final double learningRate;
    private final Map<String, Double> metrics = new LinkedHashMap<>();

    /**
     * @param position where the run stands after the epoch: {@code (epochs done, 0, global steps done)}
     * @param steps steps of this epoch run by this process (fewer than an epoch after a resume)
     * @param meanLoss mean loss over those steps (NaN if none)
     * @param meanPretextAccuracy mean pretext accuracy over those steps (NaN if none)
     * @param imagesPerSecond training throughput over those steps
     * @param learningRate the learning rate of the epoch's last step
     */
    public EpochReport(TrainingPosition position, long steps, double meanLoss, double meanPretextAccuracy,
            double imagesPerSecond, double learningRate) {
        this.position = position;
        this.epoch = position.epoch();
        this.globalStep = position.globalStep();
        this.steps = steps;
        this.meanLoss = meanLoss;
        this.meanPretextAccuracy = meanPretextAccuracy;
        this.imagesPerSecond = imagesPerSecond;
        this.learningRate = learningRate;
    }

    /**
     * @deprecated for moco-bench's pretrain package until it moves onto the library's run package
     * @param epoch the epoch, from 1 (0 for a report on the untrained model, before any step)
     * @param globalStep steps done since the run began
     * @param steps steps of this epoch run by this process (fewer than an epoch after a resume)
     * @param meanLoss mean loss over those steps (NaN if none)
     * @param meanPretextAccuracy mean pretext accuracy over those steps (NaN if none)
     * @param imagesPerSecond training throughput over those steps
     * @param learningRate the learning rate of the epoch's last step
     */
    @Deprecated(forRemoval = true)
    public EpochReport(int epoch, long globalStep, long steps, double meanLoss, double meanPretextAccuracy,
            double imagesPerSecond, double learningRate) {
        this.position = null;
        this.epoch = epoch;
        this.globalStep = globalStep;
        this.steps = steps;
        this.meanLoss = meanLoss;
        this.meanPretextAccuracy = meanPretextAccuracy;
        this.imagesPerSecond = imagesPerSecond;
        this.learningRate = learningRate;
    }

    /** {@return where the run stands after this epoch: (epochs done, 0, global steps done)} */
    public TrainingPosition position() {
        return position;
    }

    /** {@return the epochs done, this one included (0 for a report on the untrained model)} */
    public int epoch() {
        return epoch;
    }

    public long globalStep() {
        return globalStep;
    }

    public long steps() {
        return steps;
    }

    public double meanLoss() {
        return meanLoss;
    }

    public double meanPretextAccuracy() {
        return meanPretextAccuracy;
    }

    public double imagesPerSecond() {
        return imagesPerSecond;
    }

    public double learningRate() {
        return learningRate;
    }

    /** Records a metric for the listeners that follow. */
    public void putMetric(String name, double value) {
        metrics.put(name, value);
    }

    public OptionalDouble metric(String name) {
        Double v = metrics.get(name);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** The metrics added so far, in the order they were added. */
    public Map<String, Double> metrics() {
        return Collections.unmodifiableMap(metrics);
    }
}
