package dev.moco.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ComputationGraphEncoderTest {

    /** conv3x3(2→3)+ReLU → BN → global average pool ("pool", 3) → dense identity ("out", 4). */
    private static ComputationGraphEncoder tinyEncoder() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
                .addLayer("out", new DenseLayer.Builder().nOut(4).activation(Activation.IDENTITY).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(6, 6, 2)).build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return new ComputationGraphEncoder(graph, "pool", 3, 4);
    }

    private static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, shape);
    }

    private static double loss(Encoder encoder, INDArray x, INDArray r, int groups) {
        return encoder.forward(x, Encoder.Mode.TRAINING, groups).output().mul(r).sumNumber().doubleValue();
    }

    @Test
    void gradientMatchesFiniteDifferencesWithOneAndTwoGroups() {
        for (int groups : new int[] {1, 2}) {
            ComputationGraphEncoder encoder = tinyEncoder();
            INDArray x = random(3, 4, 2, 6, 6);
            INDArray r = random(4, 4, 4);
            Encoder.Pass pass = encoder.forward(x, Encoder.Mode.TRAINING, groups);
            INDArray paramsAfterForward = encoder.parameters().dup();
            pass.backward(r);
            INDArray gradient = encoder.gradients().dup();
            INDArray mask = encoder.trainableMask();
            // backward applied DL4J's running-statistics update; restore to check the trainable part
            assertThat(encoder.parameters()).isNotEqualTo(paramsAfterForward);
            encoder.parameters().assign(paramsAfterForward);
            INDArray theta = encoder.parameters();
            int checked = 0;
            for (long i = 0; i < theta.length(); i++) {
                if (mask.getDouble(i) == 0 || i % 2 == 1) {   // every other trainable entry keeps the test short
                    if (mask.getDouble(i) == 0) {
                        assertThat(gradient.getDouble(i)).as("BN statistic slot %d", i).isZero();
                    }
                    continue;
                }
                double h = 1e-6;
                double original = theta.getDouble(i);
                theta.putScalar(i, original + h);
                double plus = loss(encoder, x, r, groups);
                theta.putScalar(i, original - h);
                double minus = loss(encoder, x, r, groups);
                theta.putScalar(i, original);
                double numeric = (plus - minus) / (2 * h);
                assertThat(Math.abs(gradient.getDouble(i) - numeric)).as("G=%d parameter %d", groups, i)
                        .isLessThanOrEqualTo(1e-6 * (Math.abs(numeric) + Math.abs(gradient.getDouble(i))) + 1e-8);
                checked++;
            }
            assertThat(checked).isGreaterThanOrEqualTo((3 + 54 + 3 + 3 + 12 + 4) / 2);
        }
    }

    @Test
    void twoLivePassesRecomputeAndTheirGradientsAdd() {
        ComputationGraphEncoder encoder = tinyEncoder();
        INDArray a = random(5, 4, 2, 6, 6);
        INDArray b = random(6, 4, 2, 6, 6);
        INDArray ra = random(7, 4, 4);
        INDArray rb = random(8, 4, 4);
        INDArray start = encoder.parameters().dup();

        encoder.forward(a, Encoder.Mode.TRAINING).backward(ra);
        INDArray gradA = encoder.gradients().dup();
        encoder.parameters().assign(start);
        encoder.zeroGradients();
        encoder.forward(b, Encoder.Mode.TRAINING).backward(rb);
        INDArray gradB = encoder.gradients().dup();
        encoder.parameters().assign(start);
        encoder.zeroGradients();

        Encoder.Pass pa = encoder.forward(a, Encoder.Mode.TRAINING);
        Encoder.Pass pb = encoder.forward(b, Encoder.Mode.TRAINING);
        pa.backward(ra);   // a's activations were overwritten by b's forward: recomputed
        pb.backward(rb);
        assertThat(encoder.gradients().equalsWithEps(gradA.add(gradB), 1e-10)).isTrue();
    }

    @Test
    void groupsEqualSeparateForwardsOfTheChunks() {
        ComputationGraphEncoder encoder = tinyEncoder();
        INDArray x = random(9, 6, 2, 6, 6);
        INDArray grouped = encoder.forward(x, Encoder.Mode.TRAINING, 3).output();
        for (int g = 0; g < 3; g++) {
            INDArray chunk = x.get(NDArrayIndex.interval(2 * g, 2 * g + 2)).dup();
            INDArray separate = encoder.forward(chunk, Encoder.Mode.TRAINING).output();
            assertThat(grouped.get(NDArrayIndex.interval(2 * g, 2 * g + 2)).equalsWithEps(separate, 1e-12)).isTrue();
        }
    }

    @Test
    void copyIsIndependentAndRepresentUsesTheNamedVertex() {
        ComputationGraphEncoder encoder = tinyEncoder();
        ComputationGraphEncoder copy = encoder.copy();
        INDArray x = random(10, 2, 2, 6, 6);
        assertThat(copy.represent(x)).isEqualTo(encoder.represent(x));
        assertThat(encoder.represent(x).shape()).containsExactly(2, 3);
        INDArray before = encoder.parameters().dup();
        copy.parameters().addi(0.5);
        assertThat(encoder.parameters()).isEqualTo(before);
        assertThat(encoder.forward(x, Encoder.Mode.INFERENCE).output().shape()).containsExactly(2, 4);
        assertThat(encoder.buffers().length()).isZero();
        assertThatThrownBy(() -> encoder.forward(x, Encoder.Mode.INFERENCE).backward(Nd4j.ones(DataType.DOUBLE, 2, 4)))
                .isInstanceOf(IllegalStateException.class);
    }
}
