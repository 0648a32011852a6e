package dev.moco.encoders.nn;

import static dev.moco.encoders.ResNetTopology.BlockKind.BASIC;
import static dev.moco.encoders.ResNetTopology.BlockKind.BOTTLENECK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.Encoder;
import dev.moco.encoders.ResNetLayers;
import dev.moco.encoders.ResNetTopology;
import java.util.List;
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
        ResidualBlock block = ResNetLayers.block(bank, new ResNetTopology.Block("layer1.0", BASIC, 3, 3, 3, 1));
        bank.allocate(DataType.DOUBLE, 8L);
        assertThat(check(block, bank, input(4, 3, 4, 4), 2)).isLessThan(1e-6);
    }

    @Test
    void basicBlockWithProjectionShortcut() {
        ParameterBank bank = new ParameterBank();
        ResidualBlock block = ResNetLayers.block(bank, new ResNetTopology.Block("layer2.0", BASIC, 2, 4, 4, 2));
        bank.allocate(DataType.DOUBLE, 9L);
        assertThat(bank.all()).extracting(Parameter::name).contains("layer2.0.downsample.0.weight",
                "layer2.0.downsample.1.weight", "layer2.0.downsample.1.running_var");
        assertThat(check(block, bank, input(4, 2, 6, 5), 1)).isLessThan(1e-6);
    }

    @Test
    void bottleneckBlock() {
        ParameterBank bank = new ParameterBank();
        ResidualBlock block = ResNetLayers.block(bank, new ResNetTopology.Block("layer2.0", BOTTLENECK, 4, 2, 8, 2));
        bank.allocate(DataType.DOUBLE, 10L);
        assertThat(check(block, bank, input(4, 4, 5, 5), 2)).isLessThan(1e-6);
    }

    @Test
    void dilatedConvolution() {
        ParameterBank bank = new ParameterBank();
        Conv2d conv = new Conv2d(bank, "c", 2, 3, 3, 1, 2, 2);
        bank.allocate(DataType.DOUBLE, 12L);
        assertThat(conv.outputSize(7)).isEqualTo(7);
        assertThat(check(conv, bank, input(2, 2, 7, 6), 1)).isLessThan(1e-6);
    }

    @Test
    void bilinearUpsamplingByScaleAndToSize() {
        ParameterBank bank = new ParameterBank();
        bank.allocate(DataType.DOUBLE, 13L);
        assertThat(check(BilinearUpsample.byScale(2), bank, input(2, 3, 3, 4), 1)).isLessThan(1e-6);
        assertThat(check(BilinearUpsample.toSize(5, 3), bank, input(2, 2, 3, 4), 1)).isLessThan(1e-6);
    }

    /**
     * F.interpolate([[1, 2], [3, 4]], scale_factor=2, mode="bilinear", align_corners=False) by
     * hand: output column o samples s = max(0, (o + 0.5)/2 − 0.5) = 0, 0.25, 0.75, 1.25→clamped
     * to the last input, so a row [1, 2] becomes [1, 1.25, 1.75, 2]; rows likewise.
     */
    @Test
    void bilinearUpsamplingHasHalfPixelCentresAsPyTorchWithoutAlignedCorners() {
        INDArray x = Nd4j.create(new double[] {1, 2, 3, 4}, new long[] {1, 1, 2, 2}, DataType.DOUBLE);
        INDArray y = BilinearUpsample.byScale(2).forward(x, Encoder.Mode.INFERENCE, 1).output();
        INDArray expected = Nd4j.create(new double[] {
            1.0, 1.25, 1.75, 2.0,
            1.5, 1.75, 2.25, 2.5,
            2.5, 2.75, 3.25, 3.5,
            3.0, 3.25, 3.75, 4.0}, new long[] {1, 1, 4, 4}, DataType.DOUBLE);
        assertThat(y.equalsWithEps(expected, 1e-12)).as("%s", y).isTrue();
    }

    @Test
    void elementwiseSumOfAConvBranchAndAnUpsampledBranch() {
        // the feature-pyramid merge: lateral 1x1 conv + upsampled coarser map
        ParameterBank bank = new ParameterBank();
        Layer lateral = new Conv2d(bank, "lateral", 2, 3, 1, 1, 0);
        Layer topDown = new Sequential(new Conv2d(bank, "top", 2, 3, 3, 2, 1), BilinearUpsample.byScale(2));
        bank.allocate(DataType.DOUBLE, 14L);
        assertThat(check(new Branches(new ElementwiseSum(), lateral, topDown), bank, input(2, 2, 4, 6), 1))
                .isLessThan(1e-6);
    }

    @Test
    void channelConcatenation() {
        ParameterBank bank = new ParameterBank();
        Layer a = new Conv2d(bank, "a", 2, 3, 3, 1, 1);
        Layer b = new Sequential(new Conv2d(bank, "b", 2, 1, 1, 1, 0), new Relu());
        bank.allocate(DataType.DOUBLE, 15L);
        Branches concat = new Branches(new ChannelConcat(), a, b);
        assertThat(concat.forward(input(2, 2, 3, 3), Encoder.Mode.INFERENCE, 1).output().shape())
                .containsExactly(2, 4, 3, 3);
        assertThat(check(concat, bank, input(2, 2, 3, 3), 1)).isLessThan(1e-6);
    }

    @Test
    void channelBiasAfterAConvolution() {
        ParameterBank bank = new ParameterBank();
        Sequential layers = new Sequential(new Conv2d(bank, "c", 2, 3, 1, 1, 0), new ChannelBias(bank, "c", new double[] {0.5, -2, 1}));
        bank.allocate(DataType.DOUBLE, 16L);
        assertThat(bank.get("c.bias").value().toDoubleVector()).containsExactly(0.5, -2, 1);
        assertThat(check(layers, bank, input(2, 2, 3, 4), 1)).isLessThan(1e-6);
    }

    /** x ↦ merge(first(x), second(x)), so the merge's backward is checked through both branches. */
    private record Branches(Merge merge, Layer first, Layer second) implements Layer {
        @Override
        public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
            LayerPass a = first.forward(input, mode, normalizationGroups);
            LayerPass b = second.forward(input, mode, normalizationGroups);
            Merge.Pass m = merge.forward(List.of(a.output(), b.output()));
            return new LayerPass() {
                @Override
                public INDArray output() {
                    return m.output();
                }

                @Override
                public INDArray backward(INDArray outputGradient) {
                    List<INDArray> g = m.backward(outputGradient);
                    return a.backward(g.get(0)).addi(b.backward(g.get(1)));
                }
            };
        }
    }

    private static void randomiseAffine(BatchNorm2d bn) {
        bn.weight().value().assign(Nd4j.rand(DataType.DOUBLE, bn.weight().shape()).addi(0.5));
        bn.bias().value().assign(Nd4j.randn(DataType.DOUBLE, bn.bias().shape()));
    }
}
