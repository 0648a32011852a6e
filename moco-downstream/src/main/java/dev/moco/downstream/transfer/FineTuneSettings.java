package dev.moco.downstream.transfer;

/**
 * The fine-tuning schedule, the same for every initialisation (He et al. 2020, Sec. 4.2:
 * "the same fine-tuning schedule" for supervised and MoCo): SGD with heavy-ball momentum and
 * weight decay on the whole backbone and the head, BN in training mode, the learning rate
 * divided by 10 at 2/3 and 8/9 of the epochs (Detectron's step schedule, shortened).
 *
 * @param epochs passes over the training canvases
 * @param batchSize canvases per step
 * @param learningRate initial learning rate
 * @param momentum SGD momentum
 * @param weightDecay L2 weight decay
 * @param headWidth channels of the head's fused features
 * @param seed head initialisation and batch order
 */
public record FineTuneSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
        int headWidth, long seed) {

    public FineTuneSettings {
        if (epochs < 1 || batchSize < 1 || headWidth < 1) {
            throw new IllegalArgumentException("epochs, batch size and head width must be positive, got " + epochs + ", "
                    + batchSize + ", " + headWidth);
        }
        if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("need learning rate > 0, momentum in [0, 1), weight decay >= 0; got "
                    + learningRate + ", " + momentum + ", " + weightDecay);
        }
    }

    /** The epochs (from 0) at whose start the learning rate drops tenfold: ⌊2E/3⌋ and ⌊8E/9⌋, those ≥ 1. */
    public int[] milestones() {
        return java.util.stream.IntStream.of(2 * epochs / 3, 8 * epochs / 9).filter(m -> m >= 1).distinct().toArray();
    }
}
