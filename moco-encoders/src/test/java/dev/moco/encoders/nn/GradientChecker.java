package dev.moco.encoders.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.Encoder;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central finite differences in double precision against a layer's backward, for the loss
 * L = Σ output ⊙ R with a fixed random R (so dL/doutput = R).
 */
final class GradientChecker {

    /** |analytic − numeric| must stay below this times (|analytic| + |numeric|), plus {@link #ABSOLUTE}. */
    static final double RELATIVE = 1e-6;
    static final double ABSOLUTE = 1e-8;
    private static final double STEP = 1e-5;

    private final Layer layer;
    private final ParameterBank bank;
    private final int groups;
    private final SplittableRandom random = new SplittableRandom(7);
    private double worst;

    GradientChecker(Layer layer, ParameterBank bank, int groups) {
        this.layer = layer;
        this.bank = bank;
        this.groups = groups;
    }

    /** Checks every input entry and up to {@code perParameter} entries of each trainable tensor. */
    double check(INDArray input, int perParameter) {
        assertThat(input.dataType()).isEqualTo(DataType.DOUBLE);
        LayerPass pass = layer.forward(input, Encoder.Mode.TRAINING, groups);
        INDArray r = Nd4j.rand(DataType.DOUBLE, pass.output().shape()).subi(0.5);
        bank.gradients().assign(0);
        INDArray inputGradient = pass.backward(r);
        assertThat(inputGradient.shape()).isEqualTo(input.shape());

        INDArray flatInput = input.reshape(input.length());
        INDArray flatInputGradient = inputGradient.reshape(inputGradient.length());
        long inputChecks = Math.min(input.length(), 200);
        for (long k = 0; k < inputChecks; k++) {
            long i = input.length() <= 200 ? k : random.nextLong(input.length());
            compare("input[" + i + "]", flatInputGradient.getDouble(i), () -> loss(input, r), flatInput, i);
        }
        for (Parameter p : bank.all()) {
            if (p.kind() != Parameter.Kind.TRAINABLE) {
                continue;
            }
            INDArray values = p.value().reshape(p.length());
            INDArray gradient = p.gradient().reshape(p.length());
            long n = Math.min(p.length(), perParameter);
            for (long k = 0; k < n; k++) {
                long i = p.length() <= perParameter ? k : random.nextLong(p.length());
                compare(p.name() + "[" + i + "]", gradient.getDouble(i), () -> loss(input, r), values, i);
            }
        }
        return worst;
    }

    private double loss(INDArray input, INDArray r) {
        return layer.forward(input, Encoder.Mode.TRAINING, groups).output().mul(r).sumNumber().doubleValue();
    }

    private void compare(String what, double analytic, Supplier<Double> loss, INDArray flat, long i) {
        double original = flat.getDouble(i);
        flat.putScalar(i, original + STEP);
        double plus = loss.get();
        flat.putScalar(i, original - STEP);
        double minus = loss.get();
        flat.putScalar(i, original);
        double numeric = (plus - minus) / (2 * STEP);
        double error = Math.abs(analytic - numeric);
        double tolerance = RELATIVE * (Math.abs(analytic) + Math.abs(numeric)) + ABSOLUTE;
        worst = Math.max(worst, error / (Math.abs(analytic) + Math.abs(numeric) + 1e-12));
        assertThat(error).as("%s: analytic %s vs numeric %s", what, analytic, numeric).isLessThanOrEqualTo(tolerance);
    }
}
