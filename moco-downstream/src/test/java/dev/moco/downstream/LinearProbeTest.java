package dev.moco.downstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LinearProbeTest {

    private static LinearProbeSettings settings(int epochs, int batch, double lr, double weightDecay, long seed) {
        return LinearProbeSettings.preset().with("epochs", Integer.toString(epochs)).with("batch-size", Integer.toString(batch))
                .with("lr", Double.toString(lr)).with("weight-decay", Double.toString(weightDecay))
                .with("milestones", "").with("seed", Long.toString(seed));
    }

    @Test
    void thePresetIsThePapersProtocolAndKeysAreChecked() {
        LinearProbeSettings p = LinearProbeSettings.preset();
        assertThat(p.epochs()).isEqualTo(100);
        assertThat(p.learningRate()).isEqualTo(30.0);
        assertThat(p.momentum()).isEqualTo(0.9);
        assertThat(p.weightDecay()).isZero();
        assertThat(p.milestones()).containsExactly(60, 80);
        assertThat(p.standardize()).isFalse();
        assertThatThrownBy(() -> p.with("learning-rate", "1")).hasMessageContaining("unknown linear-eval setting 'learning-rate'")
                .hasMessageContaining("lr");
        assertThatThrownBy(() -> p.with("lr", "fast")).hasMessageContaining("'lr'");
    }

    @Test
    void featuresAreUsedAsTheyAreUnlessStandardisationIsAsked() {
        // one step from zero weights: W = -lr * x^T (softmax(0) - y) / n scales with x unless standardised
        LabelledFeatures train = separable(200, 4);
        LabelledFeatures scaled = new LabelledFeatures(train.features().mul(10), train.labels());
        INDArray plain = new LinearProbe(settings(1, 200, 0.1, 0, 5)).fit(train).weights();
        INDArray onScaled = new LinearProbe(settings(1, 200, 0.1, 0, 5)).fit(scaled).weights();
        assertThat(onScaled.sub(plain.mul(10)).amaxNumber().doubleValue()).isLessThan(1e-3);
        INDArray standardized = new LinearProbe(settings(1, 200, 0.1, 0, 5).with("standardize", "true")).fit(scaled).weights();
        INDArray standardizedPlain = new LinearProbe(settings(1, 200, 0.1, 0, 5).with("standardize", "true")).fit(train).weights();
        assertThat(standardized.sub(standardizedPlain).amaxNumber().doubleValue()).isLessThan(1e-4);
    }

    /**
     * Linearly separable data: 4 classes, 16 dimensions; class c is the region where
     * x · w_c is the largest of four fixed directions w_c, with a margin.
     */
    private static LabelledFeatures separable(int n, long seed) {
        Random random = new Random(seed);
        double[][] directions = new double[4][16];
        Random fixed = new Random(7);
        for (double[] w : directions) {
            for (int j = 0; j < w.length; j++) {
                w[j] = fixed.nextGaussian();
            }
        }
        INDArray x = Nd4j.create(DataType.FLOAT, n, 16);
        int[] labels = new int[n];
        int i = 0;
        while (i < n) {
            double[] v = new double[16];
            for (int j = 0; j < 16; j++) {
                v[j] = random.nextGaussian() * 3 + 1;
            }
            double best = Double.NEGATIVE_INFINITY;
            double second = Double.NEGATIVE_INFINITY;
            int label = -1;
            for (int c = 0; c < 4; c++) {
                double s = 0;
                for (int j = 0; j < 16; j++) {
                    s += directions[c][j] * v[j];
                }
                if (s > best) {
                    second = best;
                    best = s;
                    label = c;
                } else if (s > second) {
                    second = s;
                }
            }
            if (best - second < 1.0) {
                continue; // keep a margin
            }
            for (int j = 0; j < 16; j++) {
                x.putScalar(i, j, v[j]);
            }
            labels[i++] = label;
        }
        return new LabelledFeatures(x, labels);
    }

    @Test
    void separatesLinearlySeparableClasses() {
        LabelledFeatures train = separable(800, 1);
        LabelledFeatures test = separable(400, 2);
        LinearProbe.Classifier classifier = new LinearProbe(settings(25, 64, 0.1, 0.0, 3)).fit(train);
        assertThat(classifier.accuracy(train)).isGreaterThanOrEqualTo(0.99);
        assertThat(classifier.accuracy(test)).isGreaterThanOrEqualTo(0.97);
    }

    @Test
    void isDeterministicForASeed() {
        LabelledFeatures train = separable(200, 4);
        INDArray a = new LinearProbe(settings(3, 32, 0.1, 1e-4, 5)).fit(train).weights();
        INDArray b = new LinearProbe(settings(3, 32, 0.1, 1e-4, 5)).fit(train).weights();
        assertThat(a).isEqualTo(b);
    }

    @Test
    void randomLabelsAreNotLearnedBeyondChance() {
        LabelledFeatures train = separable(400, 6);
        LabelledFeatures test = separable(2000, 8);
        int[] shuffled = new Random(9).ints(test.size(), 0, 4).toArray();
        double accuracy = new LinearProbe(settings(5, 64, 0.1, 0.0, 3)).fit(train)
                .accuracy(new LabelledFeatures(test.features(), shuffled));
        assertThat(accuracy).isBetween(0.18, 0.32);
    }
}
