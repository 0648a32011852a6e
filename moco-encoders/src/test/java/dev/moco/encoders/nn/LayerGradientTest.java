package dev.moco.encoders.nn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every layer's backward against central finite differences, in double precision. */
class LayerGradientTest {

    private static INDArray input(long... shape) {
        Nd4j.getRandom().setSeed(11);
        return Nd4j.randn(DataType.DOUBLE, shape);
    }

    private static double check(Layer layer, ParameterBank bank, INDArray x, int groups) {
        return new GradientChecker(layer, bank, groups).check(x, 60);
    }

    @Test
    void conv3x3WithStrideAndPadding() {
        ParameterBank bank = new ParameterBank();
        Conv2d conv = new Conv2d(bank, "c", 3, 4, 3, 2, 1);
        bank.allocate(DataType.DOUBLE, 1L);
        assertThat(check(conv, bank, input(2, 3, 7, 6), 1)).isLessThan(1e-6);
    }

    @Test
    void conv1x1Stride2AndStem7x7() {
        ParameterBank bank = new ParameterBank();
        Sequential layers = new Sequential(new Conv2d(bank, "a", 2, 3, 1, 2, 0), new Conv2d(bank, "b", 3, 2, 7, 2, 3));
        bank.allocate(DataType.DOUBLE, 2L);
        assertThat(check(layers, bank, input(2, 2, 9, 9), 1)).isLessThan(1e-6);
    }

    @Test
    void batchNormTrainingOneGroup() {
        ParameterBank bank = new ParameterBank();
        BatchNorm2d bn = new BatchNorm2d(bank, "bn", 3);
        bank.allocate(DataType.DOUBLE, 3L);
        randomiseAffine(bn);
        assertThat(check(bn, bank, input(4, 3, 3, 2), 1)).isLessThan(1e-6);
    }

    @Test
    void batchNormTrainingWithGroups() {
        for (int groups : new int[] {2, 3}) {
            ParameterBank bank = new ParameterBank();
            BatchNorm2d bn = new BatchNorm2d(bank, "bn", 2);
            bank.allocate(DataType.DOUBLE, 4L);
            randomiseAffine(bn);
            assertThat(check(bn, bank, input(6, 2, 2, 3), groups)).isLessThan(1e-6);
        }
    }

    @Test
    void batchNormMeanAndVariancePathFollowedByWeightedSum() {
        // Conv before BN: the input gradient must flow through the mean and the variance.
        ParameterBank bank = new ParameterBank();
        Sequential layers = new Sequential(new Conv2d(bank, "c", 2, 3, 3, 1, 1), new BatchNorm2d(bank, "bn", 3));
        bank.allocate(DataType.DOUBLE, 5L);
        assertThat(check(layers, bank, input(4, 2, 3, 3), 2)).isLessThan(1e-6);
    }

    @Test
    void reluAndPooling() {
        ParameterBank bank = new ParameterBank();
        Sequential layers = new Sequential(new Relu(), new MaxPool2d(3, 2, 1), new GlobalAveragePool());
        bank.allocate(DataType.DOUBLE, 6L);
        assertThat(check(layers, bank, input(2, 3, 7, 8), 1)).isLessThan(1e-6);
    }

    @Test
    void globalAveragePool() {
        ParameterBank bank = new ParameterBank();
        bank.allocate(DataType.DOUBLE, 6L);
        assertThat(check(new GlobalAveragePool(), bank, input(3, 4, 3, 5), 1)).isLessThan(1e-6);
    }

    @Test
    void linear() {
        ParameterBank bank = new ParameterBank();
        Sequential mlp = new Sequential(new Linear(bank, "l0", 5, 4), new Relu(), new Linear(bank, "l2", 4, 3));
        bank.allocate(DataType.DOUBLE, 7L);
        assertThat(check(mlp, bank, input(6, 5), 1)).isLessThan(1e-6);
    }

    @Test
    void basicBlockWithIdentityShortcut() {
        ParameterBank bank = new ParameterBank();
        ResidualBlock block = ResidualBlock.basic(bank, "layer1.0", 3, 3, 1);
        bank.allocate(DataType.DOUBLE, 8L);
        assertThat(check(block, bank, input(4, 3, 4, 4), 2)).isLessThan(1e-6);
    }

    @Test
    void basicBlockWithProjectionShortcut() {
        ParameterBank bank = new ParameterBank();
        ResidualBlock block = ResidualBlock.basic(bank, "layer2.0", 2, 4, 2);
        bank.allocate(DataType.DOUBLE, 9L);
        assertThat(bank.all()).extracting(Parameter::name).contains("layer2.0.downsample.0.weight",
                "layer2.0.downsample.1.weight", "layer2.0.downsample.1.running_var");
        assertThat(check(block, bank, input(4, 2, 6, 5), 1)).isLessThan(1e-6);
    }

    @Test
    void bottleneckBlock() {
        ParameterBank bank = new ParameterBank();
        ResidualBlock block = ResidualBlock.bottleneck(bank, "layer2.0", 4, 2, 2);
        bank.allocate(DataType.DOUBLE, 10L);
        assertThat(check(block, bank, input(4, 4, 5, 5), 2)).isLessThan(1e-6);
    }

    private static void randomiseAffine(BatchNorm2d bn) {
        bn.weight().value().assign(Nd4j.rand(DataType.DOUBLE, bn.weight().shape()).addi(0.5));
        bn.bias().value().assign(Nd4j.randn(DataType.DOUBLE, bn.bias().shape()));
    }
}
