package dev.moco.core.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The state and arithmetic of {@link SgdMomentum}: turns a gradient, in place, into the
 * update that ND4J's convention subtracts from the parameters: v ← μ·v + g; update = lr·v.
 */
public final class SgdMomentumUpdater implements GradientUpdater<SgdMomentum> {
    public static final String VELOCITY = "V";

    private final SgdMomentum config;
    private INDArray velocity;

    public SgdMomentumUpdater(SgdMomentum config) {
        this.config = config;
    }

    @Override
    public SgdMomentum getConfig() {
        return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        if (config.momentum() == 0) {
            return;
        }
        INDArray v = stateMap == null ? null : stateMap.get(VELOCITY);
        if (v == null) {
            throw new IllegalArgumentException("SGD momentum state needs an array named " + VELOCITY
                    + ", got " + (stateMap == null ? "none" : stateMap.keySet()));
        }
        setStateViewArray(v, v.shape(), 'c', initialize);
    }

    @Override
    public Map<String, INDArray> getState() {
        return velocity == null ? Map.of() : Map.of(VELOCITY, velocity);
    }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (config.momentum() == 0) {
            return;
        }
        if (viewArray == null) {
            throw new IllegalArgumentException("SGD momentum needs a state array");
        }
        this.velocity = viewArray;
        if (initialize) {
            velocity.assign(0);
        }
    }

    /** The velocity v, laid out like the gradient; null when momentum is 0. */
    public INDArray velocity() {
        return velocity;
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        apply(gradient, config.getLearningRate(iteration, epoch));
    }

    /** Turns {@code gradient} into the update lr·v in place, with v ← μ·v + g. */
    public void apply(INDArray gradient, double lr) {
        if (velocity == null) {
            gradient.muli(lr);
            return;
        }
        INDArray v = velocity.reshape(gradient.shape());
        v.muli(config.momentum());
        Nd4j.getBlasWrapper().level1().axpy(v.length(), 1.0, gradient, v);    // v = μv + g
        gradient.assign(v).muli(lr);                                            // update = lr·v
    }
}
