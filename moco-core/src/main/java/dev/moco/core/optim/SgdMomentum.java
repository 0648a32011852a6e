package dev.moco.core.optim;

import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * SGD with heavy-ball momentum as PyTorch's {@code torch.optim.SGD} computes it, the
 * optimizer of the MoCo paper (lr 0.03, momentum 0.9, weight decay 1e-4):
 * <pre>
 *   v ← μ·v + g        θ ← θ − lr·v
 * </pre>
 * ND4J's {@link org.nd4j.linalg.learning.config.Nesterovs} is the Nesterov variant and has no
 * plain heavy-ball form; this is the missing {@link IUpdater}, usable wherever ND4J takes one.
 * Weight decay is added to the gradient before it reaches the updater (see {@link Optimizer}).
 *
 * <pre>{@code
 * IUpdater sgd = new SgdMomentum(0.03, 0.9, new CosineSchedule(0.03, 200));
 * }</pre>
 */
public final class SgdMomentum implements IUpdater {
    private double learningRate;
    private ISchedule learningRateSchedule;
    private final double momentum;

    public SgdMomentum(double learningRate, double momentum, ISchedule learningRateSchedule) {
        if (!(learningRate >= 0)) {
            throw new IllegalArgumentException("learning rate must be >= 0, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.learningRateSchedule = learningRateSchedule;
    }

    public double momentum() {
        return momentum;
    }

    @Override
    public long stateSize(long numParams) {
        return momentum == 0 ? 0 : numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        SgdMomentumUpdater updater = new SgdMomentumUpdater(this);
        updater.setStateViewArray(viewArray, viewArray == null ? null : viewArray.shape(), 'c', initializeViewArray);
        return updater;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        SgdMomentumUpdater updater = new SgdMomentumUpdater(this);
        updater.setState(updaterState, initializeStateArrays);
        return updater;
    }

    @Override
    public SgdMomentum clone() {
        return new SgdMomentum(learningRate, momentum,
                learningRateSchedule == null ? null : learningRateSchedule.clone());
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule == null ? learningRate : learningRateSchedule.valueAt(iteration, epoch);
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SgdMomentum s && s.learningRate == learningRate && s.momentum == momentum
                && Objects.equals(s.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, momentum, learningRateSchedule);
    }
}
