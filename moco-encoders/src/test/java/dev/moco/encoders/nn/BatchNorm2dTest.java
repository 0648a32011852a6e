package dev.moco.encoders.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

class BatchNorm2dTest {

    private static BatchNorm2d batchNorm(ParameterBank bank, int channels) {
        BatchNorm2d bn = new BatchNorm2d(bank, "bn", channels);
        bank.allocate(DataType.DOUBLE, 1L);
        return bn;
    }

    private static INDArray input(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, shape).muli(2).addi(3);
    }

    @Test
    void trainingNormalisesWithBatchStatisticsAndUpdatesRunningStatisticsLikePyTorch() {
        BatchNorm2d bn = batchNorm(new ParameterBank(), 3);
        INDArray x = input(1, 5, 3, 4, 2);
        INDArray y = bn.forward(x, Encoder.Mode.TRAINING, 1).output();
        assertThat(y.mean(0, 2, 3).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(y.var(false, 0, 2, 3).sub(1).amaxNumber().doubleValue()).isLessThan(1e-4);   // ε = 1e-5
        INDArray expectedMean = x.mean(0, 2, 3).muli(0.1);
        INDArray expectedVar = x.var(true, 0, 2, 3).muli(0.1).addi(0.9);
        assertThat(bn.runningMean().value().equalsWithEps(expectedMean, 1e-12)).isTrue();
        assertThat(bn.runningVar().value().equalsWithEps(expectedVar, 1e-12)).isTrue();
    }

    @Test
    void groupsNormaliseSeparatelyAndRunningStatisticsAverageOverGroups() {
        BatchNorm2d bn = batchNorm(new ParameterBank(), 2);
        bn.weight().value().assign(Nd4j.createFromArray(1.5, 0.5));
        bn.bias().value().assign(Nd4j.createFromArray(-1.0, 2.0));
        INDArray x = input(2, 6, 2, 3, 3);
        INDArray grouped = bn.forward(x, Encoder.Mode.TRAINING, 3).output();
        INDArray meanOfMeans = Nd4j.zeros(DataType.DOUBLE, 2);
        INDArray meanOfVars = Nd4j.zeros(DataType.DOUBLE, 2);
        for (int g = 0; g < 3; g++) {
            INDArray chunk = x.get(NDArrayIndex.interval(2 * g, 2 * g + 2)).dup();
            BatchNorm2d single = batchNorm(new ParameterBank(), 2);
            single.weight().value().assign(bn.weight().value());
            single.bias().value().assign(bn.bias().value());
            INDArray separate = single.forward(chunk, Encoder.Mode.TRAINING, 1).output();
            assertThat(grouped.get(NDArrayIndex.interval(2 * g, 2 * g + 2)).equalsWithEps(separate, 1e-12)).isTrue();
            meanOfMeans.addi(chunk.mean(0, 2, 3).divi(3));
            meanOfVars.addi(chunk.var(true, 0, 2, 3).divi(3));
        }
        assertThat(bn.runningMean().value().equalsWithEps(meanOfMeans.muli(0.1), 1e-12)).isTrue();
        assertThat(bn.runningVar().value().equalsWithEps(meanOfVars.muli(0.1).addi(0.9), 1e-12)).isTrue();
    }

    @Test
    void inferenceUsesRunningStatistics() {
        BatchNorm2d bn = batchNorm(new ParameterBank(), 2);
        bn.runningMean().value().assign(Nd4j.createFromArray(0.5, -1.0));
        bn.runningVar().value().assign(Nd4j.createFromArray(4.0, 0.25));
        bn.weight().value().assign(Nd4j.createFromArray(2.0, 3.0));
        bn.bias().value().assign(Nd4j.createFromArray(0.1, 0.2));
        INDArray x = input(3, 3, 2, 2, 2);
        INDArray y = bn.forward(x, Encoder.Mode.INFERENCE, 1).output();
        INDArray mean = Nd4j.createFromArray(0.5, -1.0).reshape(1, 2, 1, 1);
        INDArray std = Transforms.sqrt(Nd4j.createFromArray(4.0, 0.25).addi(BatchNorm2d.EPSILON)).reshape(1, 2, 1, 1);
        INDArray expected = x.sub(mean).divi(std).muli(Nd4j.createFromArray(2.0, 3.0).reshape(1, 2, 1, 1))
                .addi(Nd4j.createFromArray(0.1, 0.2).reshape(1, 2, 1, 1));
        assertThat(y.equalsWithEps(expected, 1e-12)).isTrue();
        assertThat(bn.runningMean().value()).isEqualTo(Nd4j.createFromArray(0.5, -1.0));
    }

    @Test
    void badGroupingIsReported() {
        BatchNorm2d bn = batchNorm(new ParameterBank(), 2);
        assertThatThrownBy(() -> bn.forward(input(4, 6, 2, 2, 2), Encoder.Mode.TRAINING, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not divide the batch of 6");
        assertThatThrownBy(() -> bn.forward(input(4, 2, 2, 1, 1), Encoder.Mode.TRAINING, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than one value");
        assertThatThrownBy(() -> bn.forward(input(4, 2, 3, 2, 2), Encoder.Mode.TRAINING, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, 2, H, W]");
    }
}
