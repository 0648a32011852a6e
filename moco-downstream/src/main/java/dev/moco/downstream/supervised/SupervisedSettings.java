package dev.moco.downstream.supervised;

/**
 * Hyper-parameters of the supervised baseline: the pretraining optimizer family (SGD with
 * heavy-ball momentum and weight decay, cosine schedule per epoch as MoCo v2) on the
 * cross-entropy of a linear classifier over the pooled backbone features.
 *
 * @param epochs passes over the training images
 * @param batchSize images per step
 * @param learningRate initial learning rate
 * @param momentum SGD momentum
 * @param weightDecay L2 weight decay
 * @param seed batch order and augmentation
 * @param workers augmentation threads
 */
public record SupervisedSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
        long seed, int workers) {

    public SupervisedSettings {
        if (epochs < 1 || batchSize < 2 || workers < 1) {
            throw new IllegalArgumentException("need epochs >= 1, batch size >= 2, workers >= 1; got " + epochs + ", "
                    + batchSize + ", " + workers);
        }
        if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("need learning rate > 0, momentum in [0, 1), weight decay >= 0; got "
                    + learningRate + ", " + momentum + ", " + weightDecay);
        }
    }
}
