package dev.moco.core.run;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What an {@link AfterEpochListener} learns about a finished epoch, plus named metrics that
 * listeners add for the ones after them (e.g. {@value #KNN_ACCURACY}). Serializable, so that a
 * distributed run's workers can send their epochs to the driver.
 *
 * @serial exclude (serialised only between a distributed run's driver and its workers, never stored)
 */
public final class EpochReport implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Metric name of the kNN accuracy on the held-out split. */
    public static final String KNN_ACCURACY = "knn-accuracy";

    private final TrainingPosition position;
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

    /** {@return the epochs done, this one included: the epoch's number counted from 1} */
    public int epoch() {
        return position.epoch();
    }

    /** {@return the steps done since the run began} */
    public long globalStep() {
        return position.globalStep();
    }

    /** {@return the steps of this epoch run by this process (fewer than an epoch after a resume)} */
    public long steps() {
        return steps;
    }

    /** {@return the mean loss over those steps (NaN if none)} */
    public double meanLoss() {
        return meanLoss;
    }

    /** {@return the mean pretext accuracy over those steps (NaN if none)} */
    public double meanPretextAccuracy() {
        return meanPretextAccuracy;
    }

    /** {@return the training throughput over those steps, images per second} */
    public double imagesPerSecond() {
        return imagesPerSecond;
    }

    /** {@return the learning rate of the epoch's last step} */
    public double learningRate() {
        return learningRate;
    }

    /**
     * Records a metric for the listeners that follow.
     *
     * @param name the metric's name, e.g. {@value #KNN_ACCURACY}
     * @param value its value
     */
    public void putMetric(String name, double value) {
        metrics.put(name, value);
    }

    /**
     * @param name a metric's name
     * @return its value, if a listener before this one recorded it
     */
    public OptionalDouble metric(String name) {
        Double v = metrics.get(name);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** {@return the metrics added so far, in the order they were added} */
    public Map<String, Double> metrics() {
        return Collections.unmodifiableMap(metrics);
    }
}
