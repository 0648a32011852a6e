package dev.moco.core.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Applies an ND4J {@link IUpdater} to one flat parameter vector, with L2 weight decay added
 * to the gradient first (θ ← θ − update(g + λθ)), which is what PyTorch's SGD
 * {@code weight_decay} does. The updater's state lives in one flat array,
 * {@link #state()}, saved in checkpoints.
 *
 * <pre>{@code
 * Optimizer sgd = new Optimizer(new SgdMomentum(0.03, 0.9, schedule), 1e-4, encoder.parameters());
 * sgd.step(encoder.parameters(), encoder.gradients(), iteration, epoch);
 * }</pre>
 */
public final class Optimizer {
    private final IUpdater config;
    private final double weightDecay;
    private final INDArray state;
    private final GradientUpdater<?> updater;

    /** @param parameters the flat parameters it will update (for their length and data type) */
    public Optimizer(IUpdater config, double weightDecay, INDArray parameters) {
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.config = config;
        this.weightDecay = weightDecay;
        long size = config.stateSize(parameters.length());
        this.state = size == 0 ? null : Nd4j.zeros(parameters.dataType(), size);
        this.updater = config.instantiate(state, true);
    }

    /** θ ← θ − update(g + λθ), in place. The gradient array is overwritten with the update. */
    public void step(INDArray parameters, INDArray gradients, int iteration, int epoch) {
        if (weightDecay != 0) {
            Nd4j.getBlasWrapper().level1().axpy(parameters.length(), weightDecay, parameters, gradients);
        }
        updater.applyUpdater(gradients, iteration, epoch);
        parameters.subi(gradients);
    }

    public double learningRate(int iteration, int epoch) {
        return config.getLearningRate(iteration, epoch);
    }

    /** The updater's flat state (the momentum velocity), or an empty array if it has none. */
    public INDArray state() {
        return state == null ? Nd4j.empty(org.nd4j.linalg.api.buffer.DataType.FLOAT) : state;
    }
}
