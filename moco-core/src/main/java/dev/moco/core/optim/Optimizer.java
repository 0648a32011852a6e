package dev.moco.core.optim;

import dev.moco.core.run.TrainingPosition;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SGD with heavy-ball momentum ({@link SgdMomentum}) over one encoder's flat parameter and
 * gradient views, with L2 weight decay added to the gradient first (θ ← θ − lr·v,
 * v ← μ·v + g + λθ), which is what PyTorch's SGD {@code weight_decay} does. The velocity
 * lives in one flat array, {@link #state()}, saved in checkpoints.
 *
 * <pre>{@code
 * Optimizer sgd = new Optimizer(new SgdMomentum(0.03, 0.9, schedule), 1e-4, encoder.parameters(), encoder.gradients());
 * double lr = sgd.learningRate(position);   // the schedule, evaluated once per step
 * sgd.step(lr);
 * }</pre>
 */
public final class Optimizer {
    private final SgdMomentum rule;
    private final double weightDecay;
    private final INDArray parameters;
    private final INDArray gradients;
    private final INDArray state;
    private final SgdMomentumUpdater updater;

    /**
     * @param parameters the flat parameters it updates in place
     * @param gradients the flat gradients, laid out like {@code parameters}; overwritten by each step
     */
    public Optimizer(SgdMomentum rule, double weightDecay, INDArray parameters, INDArray gradients) {
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        if (parameters.length() != gradients.length()) {
            throw new IllegalArgumentException(parameters.length() + " parameters but " + gradients.length() + " gradients");
        }
        this.rule = rule;
        this.weightDecay = weightDecay;
        this.parameters = parameters;
        this.gradients = gradients;
        long size = rule.stateSize(parameters.length());
        this.state = size == 0 ? Nd4j.empty(DataType.FLOAT) : Nd4j.zeros(parameters.dataType(), size);
        this.updater = new SgdMomentumUpdater(rule);
        updater.setStateViewArray(size == 0 ? null : state, parameters.shape(), 'c', true);
    }

    /** The learning rate of the step taken at {@code at}, from the rule's schedule. */
    public double learningRate(TrainingPosition at) {
        return rule.getLearningRate((int) at.globalStep(), at.epoch());
    }

    /** θ ← θ − lr·v with v ← μ·v + g + λθ, in place. The gradient view is overwritten with the update. */
    public void step(double learningRate) {
        if (weightDecay != 0) {
            Nd4j.getBlasWrapper().level1().axpy(parameters.length(), weightDecay, parameters, gradients);
        }
        updater.apply(gradients, learningRate);
        parameters.subi(gradients);
    }

    /** Length of the parameter vector it updates. */
    public long parameterCount() {
        return parameters.length();
    }

    /** The velocity, laid out like the parameters, or an empty array when momentum is 0. */
    public INDArray state() {
        return state;
    }
}
