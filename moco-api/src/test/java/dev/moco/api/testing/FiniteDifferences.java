package dev.moco.api.testing;

import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Central finite differences of a scalar function with respect to every entry of an array. */
public final class FiniteDifferences {
    private FiniteDifferences() {}

    /** d f / d x by (f(x+h) − f(x−h)) / 2h, perturbing {@code x} in place and restoring it. */
    public static INDArray gradient(INDArray x, DoubleSupplier f, double h) {
        INDArray flat = x.reshape(x.length());
        INDArray grad = flat.dup().assign(0);
        for (long i = 0; i < flat.length(); i++) {
            double v = flat.getDouble(i);
            flat.putScalar(i, v + h);
            double plus = f.getAsDouble();
            flat.putScalar(i, v - h);
            double minus = f.getAsDouble();
            flat.putScalar(i, v);
            grad.putScalar(i, (plus - minus) / (2 * h));
        }
        return grad.reshape(x.shape());
    }

    /** max |a − b| / max(1e-8, max(|a|, |b|)), the relative error used by gradient checks. */
    public static double relativeError(INDArray a, INDArray b) {
        double diff = a.sub(b).amaxNumber().doubleValue();
        double scale = Math.max(a.amaxNumber().doubleValue(), b.amaxNumber().doubleValue());
        return diff / Math.max(1e-8, scale);
    }
}
