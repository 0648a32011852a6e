package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The loss read and written in native memory, image by image on several threads, against the plain formula in doubles. */
class PixelCrossEntropyTest {

    private static final int N = 6;
    private static final int K = 5;
    private static final int H = 3;
    private static final int W = 4;

    @Test
    void floatGradientIsThePlainFormulaToFloatPrecision() {
        INDArray logits = Nd4j.rand(DataType.FLOAT, N, K, H, W).muli(8).subi(4);
        int[] labels = labels(N * H * W, 3);
        LossResult result = PixelCrossEntropy.compute(logits, labels);
        double[] expected = new double[N * K * H * W];
        double loss = plainFormula(logits.dup('c').data().asDouble(), labels, expected);
        assertThat(result.gradient().dataType()).isEqualTo(DataType.FLOAT);
        assertThat(result.gradient().shape()).containsExactly(N, K, H, W);
        float[] actual = result.gradient().dup('c').data().asFloat();
        double scale = 1.0 / labels.length;
        // softmax from float exps (within 2.5e-7 relatively) times 1/P, then rounded to float
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("gradient element %d", i)
                    .isCloseTo(expected[i], org.assertj.core.api.Assertions.within(3e-7 * scale + 1.2e-7 * Math.abs(expected[i])));
        }
        assertThat(result.value()).isCloseTo(loss, org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void aViewIsReadAsItsElementsNotItsBuffer() {
        INDArray wide = Nd4j.rand(DataType.DOUBLE, N, K + 2, H, W);
        INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + K), NDArrayIndex.all(), NDArrayIndex.all());
        int[] labels = labels(N * H * W, 5);
        LossResult fromView = PixelCrossEntropy.compute(view, labels);
        LossResult fromCopy = PixelCrossEntropy.compute(view.dup('c'), labels);
        assertThat(fromView.value()).isEqualTo(fromCopy.value());
        assertThat(fromView.gradient()).isEqualTo(fromCopy.gradient());
        assertThat(PixelCrossEntropy.predict(view)).containsExactly(PixelCrossEntropy.predict(view.dup('c')));
    }

    @Test
    void predictTakesTheHighestLogitOfEveryPixel() {
        INDArray logits = Nd4j.zeros(DataType.FLOAT, 1, 3, 1, 2);
        logits.putScalar(new long[] {0, 2, 0, 0}, 1f);
        logits.putScalar(new long[] {0, 1, 0, 1}, 0.5f);
        assertThat(PixelCrossEntropy.predict(logits)).containsExactly(2, 1);
    }

    @Test
    void aLabelOutsideTheClassesIsNamedByImageAndPixel() {
        int[] labels = new int[2 * H * W];
        labels[H * W + 7] = K;
        assertThatThrownBy(() -> PixelCrossEntropy.compute(Nd4j.zeros(DataType.FLOAT, 2, K, H, W), labels))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pixel 7 of image 1 has label 5 outside [0, 5)");
    }

    private static int[] labels(int count, long seed) {
        Random random = new Random(seed);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = random.nextInt(K);
        }
        return labels;
    }

    /** L and dL/dz as the docs' formula reads, in doubles, one pixel after another. */
    private static double plainFormula(double[] z, int[] labels, double[] grad) {
        int plane = H * W;
        double loss = 0;
        double scale = 1.0 / labels.length;
        for (int image = 0; image < N; image++) {
            int base = image * K * plane;
            for (int p = 0; p < plane; p++) {
                int label = labels[image * plane + p];
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < K; c++) {
                    max = Math.max(max, z[base + c * plane + p]);
                }
                double sum = 0;
                for (int c = 0; c < K; c++) {
                    sum += Math.exp(z[base + c * plane + p] - max);
                }
                double logSum = Math.log(sum) + max;
                loss -= z[base + label * plane + p] - logSum;
                for (int c = 0; c < K; c++) {
                    int i = base + c * plane + p;
                    grad[i] = (Math.exp(z[i] - logSum) - (c == label ? 1 : 0)) * scale;
                }
            }
        }
        return loss * scale;
    }
}
