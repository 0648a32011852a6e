package dev.moco.bench.cli.pretrain;

/**
 * One line of a run's {@code metrics.csv}: the state at the end of an epoch. Epoch 0 is the
 * untrained encoder (only its kNN accuracy is known). Unknown values are NaN (empty in the
 * file).
 *
 * @param epoch epochs completed
 * @param step global steps completed
 * @param loss mean contrastive loss over the epoch
 * @param pretextAccuracy mean fraction of queries whose positive key won
 * @param knnAccuracy kNN accuracy on the held-out images
 * @param imagesPerSecond training throughput over the epoch
 * @param learningRate the learning rate of the epoch's last step
 */
public record MetricsRow(int epoch, long step, double loss, double pretextAccuracy, double knnAccuracy,
        double imagesPerSecond, double learningRate) {}
