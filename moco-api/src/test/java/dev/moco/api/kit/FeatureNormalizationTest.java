package dev.moco.api.kit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.testing.FiniteDifferences;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FeatureNormalizationTest {

    @Test
    void rowsHaveUnitNorm() {
        INDArray x = Nd4j.createFromArray(new double[][] {{3, 4}, {0, -2}});
        INDArray y = FeatureNormalization.normalize(x);
        assertThat(y.toDoubleMatrix()).isDeepEqualTo(new double[][] {{0.6, 0.8}, {0, -1}});
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 5);
        INDArray upstream = Nd4j.randn(DataType.DOUBLE, 4, 5);
        INDArray analytic = FeatureNormalization.backward(x, FeatureNormalization.normalize(x), upstream);
        INDArray numeric = FiniteDifferences.gradient(x,
                () -> FeatureNormalization.normalize(x).mul(upstream).sumNumber().doubleValue(), 1e-6);
        assertThat(FiniteDifferences.relativeError(analytic, numeric)).isLessThan(1e-7);
    }
}
