package dev.moco.core.optim;

import dev.moco.core.run.TrainingPosition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SgdMomentumTest {

    @Test
    void matchesPyTorchHeavyBallSgdWithWeightDecay() {
        // torch.optim.SGD([θ], lr=0.1, momentum=0.9, weight_decay=0.01), θ0 = 1, gradients 0.5, −1, 2:
        // g' = g + 0.01θ; v = 0.9v + g'; θ -= 0.1 v
        double theta = 1;
        double v = 0;
        double[] grads = {0.5, -1, 2};
        INDArray params = Nd4j.createFromArray(1.0).reshape(1);
        INDArray gradient = Nd4j.zeros(DataType.DOUBLE, 1);
        Optimizer sgd = new Optimizer(new SgdMomentum(0.1, 0.9, null), 0.01, params, gradient);
        for (int t = 0; t < grads.length; t++) {
            double g = grads[t] + 0.01 * theta;
            v = 0.9 * v + g;
            theta -= 0.1 * v;
            gradient.putScalar(0, grads[t]);
            sgd.step(0.1);
            assertThat(params.getDouble(0)).isCloseTo(theta, within(1e-12));
        }
        assertThat(sgd.state().getDouble(0)).isCloseTo(v, within(1e-12));
    }

    @Test
    void schedulesFollowThePapers() {
        StepDecaySchedule step = new StepDecaySchedule(0.03, new int[] {120, 160}, 0.1);
        assertThat(step.valueAt(0, 119)).isEqualTo(0.03);
        assertThat(step.valueAt(0, 120)).isCloseTo(0.003, within(1e-15));
        assertThat(step.valueAt(0, 160)).isCloseTo(0.0003, within(1e-15));
        CosineSchedule cosine = new CosineSchedule(0.03, 200);
        assertThat(cosine.valueAt(0, 0)).isEqualTo(0.03);
        assertThat(cosine.valueAt(0, 100)).isCloseTo(0.015, within(1e-15));
        assertThat(cosine.valueAt(0, 200)).isCloseTo(0, within(1e-15));
    }

    @Test
    void learningRateComesFromTheScheduleByEpoch() {
        INDArray p = Nd4j.zeros(DataType.DOUBLE, 2);
        Optimizer sgd = new Optimizer(new SgdMomentum(0.03, 0.9, new CosineSchedule(0.03, 10)), 0, p, p.dup());
        assertThat(sgd.learningRate(new TrainingPosition(5, 0, 50, 10))).isCloseTo(0.015, within(1e-15));
    }
}
