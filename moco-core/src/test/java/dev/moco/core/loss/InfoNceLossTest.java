package dev.moco.core.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moco.api.ContrastiveLoss;
import dev.moco.api.InBatchKeys;
import dev.moco.api.kit.FeatureNormalization;
import dev.moco.api.kit.FixedKeys;
import dev.moco.api.testing.FiniteDifferences;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class InfoNceLossTest {

    /** In-batch keys whose backward is not under test here. */
    record Keys(INDArray positives) implements InBatchKeys {
        @Override
        public void backward(INDArray keyGradient) {
            throw new AssertionError("the loss does not call the keys' backward");
        }
    }

    @Test
    void handComputedCaseWithPositiveInColumnZero() {
        // q = (1,0); k+ = (0.6,0.8); negatives (1,0), (0,1); T = 0.5
        // logits = [0.6, 1, 0]/0.5 = [1.2, 2, 0]; loss = −1.2 + log(e^1.2 + e^2 + e^0)
        INDArray q = Nd4j.createFromArray(new double[][] {{1, 0}});
        INDArray kPlus = Nd4j.createFromArray(new double[][] {{0.6, 0.8}});
        INDArray negatives = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}});
        ContrastiveLoss.Result r = new InfoNceLoss(0.5).compute(q, new FixedKeys(kPlus, negatives));
        double expected = -1.2 + Math.log(Math.exp(1.2) + Math.exp(2) + 1);
        assertThat(r.loss()).isCloseTo(expected, within(1e-12));
        assertThat(r.accuracy()).isZero();                     // the negative (1,0) scored higher
        // d/dq = (1/T)·(Σ p_j k_j − k+)
        double z = Math.exp(1.2) + Math.exp(2) + 1;
        double[] p = {Math.exp(1.2) / z, Math.exp(2) / z, 1 / z};
        double dq0 = 2 * (p[0] * 0.6 + p[1] * 1 + p[2] * 0 - 0.6);
        double dq1 = 2 * (p[0] * 0.8 + p[1] * 0 + p[2] * 1 - 0.8);
        assertThat(r.queryGradient().getDouble(0, 0)).isCloseTo(dq0, within(1e-12));
        assertThat(r.queryGradient().getDouble(0, 1)).isCloseTo(dq1, within(1e-12));
    }

    @Test
    void sharedNegativeGradientsMatchFiniteDifferences() {
        Nd4j.getRandom().setSeed(7);
        INDArray q = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 5, 6));
        INDArray k = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 5, 6));
        INDArray negatives = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 9, 6));
        InfoNceLoss loss = new InfoNceLoss(0.2);
        FixedKeys contrast = new FixedKeys(k, negatives);
        ContrastiveLoss.Result r = loss.compute(q, contrast);
        INDArray dq = FiniteDifferences.gradient(q, () -> loss.compute(q, contrast).loss(), 1e-6);
        assertThat(FiniteDifferences.relativeError(r.queryGradient(), dq)).isLessThan(1e-6);
    }

    @Test
    void inBatchGradientsFlowThroughBothRolesOfTheKeys() {
        Nd4j.getRandom().setSeed(11);
        INDArray q = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 6, 4));
        INDArray k = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 6, 4));
        InfoNceLoss loss = new InfoNceLoss(0.3);
        Keys contrast = new Keys(k);
        // d loss/dq and d loss/dk (k perturbed in place, in both roles it plays) against central differences
        ContrastiveLoss.InBatchResult r = loss.compute(q, contrast);
        INDArray dq = FiniteDifferences.gradient(q, () -> loss.compute(q, contrast).loss(), 1e-6);
        INDArray dk = FiniteDifferences.gradient(k, () -> loss.compute(q, contrast).loss(), 1e-6);
        assertThat(FiniteDifferences.relativeError(r.queryGradient(), dq)).isLessThan(1e-6);
        assertThat(FiniteDifferences.relativeError(r.keyGradient(), dk)).isLessThan(1e-6);
    }

    @Test
    void inBatchEqualsPositiveInColumnZeroWithTheOtherKeysAsNegatives() {
        Nd4j.getRandom().setSeed(3);
        INDArray q = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 4, 3));
        INDArray k = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 4, 3));
        InfoNceLoss loss = new InfoNceLoss(0.1);
        double inBatch = loss.compute(q, new Keys(k)).loss();
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            INDArray others = Nd4j.create(DataType.DOUBLE, 3, 3);
            for (int j = 0, row = 0; j < 4; j++) {
                if (j != i) {
                    others.putRow(row++, k.getRow(j));
                }
            }
            sum += loss.compute(q.getRow(i, true), new FixedKeys(k.getRow(i, true), others)).loss();
        }
        assertThat(inBatch).isCloseTo(sum / 4, within(1e-12));
    }

    @Test
    void accuracyCountsQueriesWhosePositiveWins() {
        INDArray q = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}});
        INDArray k = Nd4j.createFromArray(new double[][] {{1, 0}, {1, 0}});
        INDArray negatives = Nd4j.createFromArray(new double[][] {{0.7071, 0.7071}});
        ContrastiveLoss.Result r = new InfoNceLoss(0.07).compute(q, new FixedKeys(k, negatives));
        assertThat(r.accuracy()).isEqualTo(0.5);
    }

    @Test
    void rejectsNonPositiveTemperature() {
        assertThatThrownBy(() -> new InfoNceLoss(0)).hasMessageContaining("temperature must be > 0");
    }
}
