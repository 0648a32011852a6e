package dev.moco.downstream;

import dev.moco.core.optim.SgdMomentum;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The downstream trainers' optimizer: moco-core's heavy-ball {@link SgdMomentum} rule (the
 * pretraining optimizer family) over one flat parameter vector and its gradient view, with
 * L2 weight decay added to the gradient as PyTorch's SGD does: v ← μ·v + g + λθ, θ ← θ − lr·v.
 * It drives the rule through ND4J's {@code IUpdater} interface, which moco-core keeps stable,
 * rather than the pretraining run's {@code Optimizer}, whose API follows the trainer's.
 *
 * <pre>{@code
 * FlatSgd sgd = new FlatSgd(0.9, 1e-4, new StepDecaySchedule(0.02, new int[] {8, 11}, 0.1), head.parameters(), head.gradients());
 * sgd.step(iteration, epoch);   // the gradient view is overwritten with the update
 * }</pre>
 */
public final class FlatSgd {

    private final double weightDecay;
    private final INDArray parameters;
    private final INDArray gradients;
    private final SgdMomentum rule;
    private final GradientUpdater<?> updater;
    private final INDArray state;

    public FlatSgd(double momentum, double weightDecay, ISchedule learningRate, INDArray parameters, INDArray gradients) {
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        if (parameters.length() != gradients.length()) {
            throw new IllegalArgumentException(parameters.length() + " parameters but " + gradients.length() + " gradients");
        }
        this.weightDecay = weightDecay;
        this.parameters = parameters;
        this.gradients = gradients;
        this.rule = new SgdMomentum(learningRate.valueAt(0, 0), momentum, learningRate);
        long size = rule.stateSize(parameters.length());
        this.state = size == 0 ? Nd4j.empty(parameters.dataType()) : Nd4j.zeros(parameters.dataType(), size);
        this.updater = rule.instantiate(size == 0 ? null : state, true);
    }

    /** The rule's state (the momentum buffer v; empty without momentum), live: a checkpoint saves it and restores into it. */
    public INDArray state() {
        return state;
    }

    /** One update from the gradients accumulated since they were last zeroed. */
    public void step(int iteration, int epoch) {
        if (weightDecay != 0) {
            gradients.addi(parameters.mul(weightDecay));
        }
        updater.applyUpdater(gradients, iteration, epoch);
        parameters.subi(gradients);
    }

    public double learningRate(int iteration, int epoch) {
        return rule.getLearningRate(iteration, epoch);
    }
}
