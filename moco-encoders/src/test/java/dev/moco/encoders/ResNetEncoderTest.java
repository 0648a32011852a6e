package dev.moco.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import dev.moco.api.FeatureMapEncoder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ResNetEncoderTest {

    private static EncoderSpec tinyResNet20() {
        return EncoderSpec.of("resnet20").withInputChannels(1).withFeatureDimension(8).withSeed(3)
                .withDataType(DataType.DOUBLE);
    }

    private static INDArray images(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, shape);
    }

    @Test
    void torchvisionParameterCounts() {
        ResNetEncoder r18 = Encoders.create(EncoderSpec.of("resnet18").withHead(HeadType.LINEAR).withFeatureDimension(1000));
        assertThat(r18.parameters().length()).isEqualTo(11_689_512L);
        assertThat(r18.representationDimension()).isEqualTo(512);
        ResNetEncoder r50 = Encoders.create(EncoderSpec.of("resnet50").withHead(HeadType.LINEAR).withFeatureDimension(1000));
        assertThat(r50.parameters().length()).isEqualTo(25_557_032L);
        assertThat(r50.representationDimension()).isEqualTo(2048);
        // BN running mean and var: two values per BN channel
        long bnWeights = r50.namedTensors().entrySet().stream()
                .filter(e -> e.getKey().endsWith(".running_mean")).mapToLong(e -> e.getValue().length()).sum();
        assertThat(r50.buffers().length()).isEqualTo(2 * bnWeights);
    }

    @Test
    void resnet50RunsOnTinyImages() {
        ResNetEncoder r50 = Encoders.create(EncoderSpec.of("resnet50"));
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32);
        Encoder.Pass pass = r50.forward(x, Encoder.Mode.TRAINING);
        assertThat(pass.output().shape()).containsExactly(2, 128);
        assertThat(r50.represent(x).shape()).containsExactly(2, 2048);
    }

    @Test
    void resnet20ShapesAndNames() {
        ResNetEncoder r20 = Encoders.create(EncoderSpec.of("resnet20").withInputChannels(1));
        assertThat(r20.forward(Nd4j.rand(DataType.FLOAT, 3, 1, 28, 28), Encoder.Mode.INFERENCE).output().shape())
                .containsExactly(3, 128);
        assertThat(r20.represent(Nd4j.rand(DataType.FLOAT, 3, 1, 32, 32)).shape()).containsExactly(3, 64);
        Map<String, INDArray> named = r20.namedTensors();
        assertThat(named).containsKeys("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "layer1.0.conv1.weight", "layer3.2.bn2.running_var", "layer2.0.downsample.0.weight",
                "layer2.0.downsample.1.weight", "head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias");
        assertThat(named).doesNotContainKeys("layer1.0.downsample.0.weight", "fc.weight");
        assertThat(named.get("conv1.weight").shape()).containsExactly(16, 1, 3, 3);
        assertThat(named.get("layer2.0.downsample.0.weight").shape()).containsExactly(32, 16, 1, 1);
        assertThat(named.get("head.0.weight").shape()).containsExactly(64, 64);
        assertThat(named.get("head.2.weight").shape()).containsExactly(128, 64);
        // ResNet-20 (option B shortcuts), 1 input channel: 144 + 32 (stem) + 14,016 (layer1)
        // + 51,648 (layer2) + 205,696 (layer3); He et al. quote 0.27M
        long backbone = named.entrySet().stream().filter(e -> !ResNetEncoder.isHeadTensor(e.getKey())
                && !e.getKey().contains("running")).mapToLong(e -> e.getValue().length()).sum();
        assertThat(backbone).isEqualTo(271_536L);
        assertThat(r20.parameters().length()).isEqualTo(backbone + 64 * 64 + 64 + 128 * 64 + 128);
    }

    @Test
    void namedTensorsAreViewsOfTheFlatVectors() {
        ResNetEncoder r20 = Encoders.create(tinyResNet20());
        r20.namedTensors().get("conv1.weight").putScalar(new long[] {0, 0, 0, 0}, 42.0);
        assertThat(r20.parameters().getDouble(0)).isEqualTo(42.0);
        r20.buffers().assign(5.0);
        assertThat(r20.namedTensors().get("bn1.running_var").getDouble(3)).isEqualTo(5.0);
        r20.gradients().assign(2.0);
        assertThat(r20.namedGradients().get("head.2.bias").getDouble(0)).isEqualTo(2.0);
        r20.zeroGradients();
        assertThat(r20.namedGradients().get("head.2.bias").getDouble(0)).isZero();
    }

    @Test
    void sameSeedSameWeightsAndTorchLikeInitialisation() {
        ResNetEncoder a = Encoders.create(EncoderSpec.of("resnet20"));
        ResNetEncoder b = Encoders.create(EncoderSpec.of("resnet20"));
        ResNetEncoder c = Encoders.create(EncoderSpec.of("resnet20").withSeed(1));
        assertThat(a.parameters()).isEqualTo(b.parameters());
        assertThat(a.parameters()).isNotEqualTo(c.parameters());
        INDArray conv = a.namedTensors().get("layer3.0.conv2.weight");   // fan_out = 64·9
        assertThat(conv.stdNumber().doubleValue()).isCloseTo(Math.sqrt(2.0 / (64 * 9)), org.assertj.core.data.Offset.offset(0.003));
        assertThat(a.namedTensors().get("bn1.weight").minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(a.namedTensors().get("bn1.running_var").minNumber().doubleValue()).isEqualTo(1.0);
        INDArray fc = a.namedTensors().get("head.2.weight");               // U(±1/8)
        assertThat(fc.amaxNumber().doubleValue()).isLessThanOrEqualTo(1.0 / 8).isGreaterThan(0.12);
    }

    @Test
    void wholeResNet20GradientMatchesFiniteDifferences() {
        // One random entry of every trainable tensor (convs, BN weights and biases, head), with
        // two normalisation groups. The step is small (1e-6) so that no ReLU kink is crossed.
        ResNetEncoder encoder = Encoders.create(tinyResNet20());
        INDArray x = images(5, 4, 1, 8, 8);
        INDArray r = images(6, 4, 8);
        encoder.zeroGradients();
        encoder.forward(x, Encoder.Mode.TRAINING, 2).backward(r);
        INDArray grad = encoder.gradients().dup();
        SplittableRandom random = new SplittableRandom(1);
        double h = 1e-6;
        int checked = 0;
        for (Map.Entry<String, INDArray> e : encoder.namedGradients().entrySet()) {
            INDArray values = encoder.namedTensors().get(e.getKey()).reshape(e.getValue().length());
            long i = random.nextLong(values.length());
            double original = values.getDouble(i);
            values.putScalar(i, original + h);
            double plus = encoder.forward(x, Encoder.Mode.TRAINING, 2).output().mul(r).sumNumber().doubleValue();
            values.putScalar(i, original - h);
            double minus = encoder.forward(x, Encoder.Mode.TRAINING, 2).output().mul(r).sumNumber().doubleValue();
            values.putScalar(i, original);
            double numeric = (plus - minus) / (2 * h);
            double analytic = e.getValue().reshape(e.getValue().length()).getDouble(i);
            assertThat(Math.abs(analytic - numeric)).as("%s[%d]: %s vs %s", e.getKey(), i, analytic, numeric)
                    .isLessThanOrEqualTo(1e-6 * (Math.abs(analytic) + Math.abs(numeric)) + 1e-8);
            checked++;
        }
        assertThat(checked).isEqualTo(2 * 21 + 21 + 4);   // BN weight+bias, convs incl. 2 projections, 2 linears
        assertThat(encoder.gradients()).isEqualTo(grad);
    }

    /** L = Σ C2⊙R2 + Σ C3⊙R3 + Σ pooled⊙Rp over a pass, no gradient at the first stage. */
    private static double featureMapLoss(FeatureMapEncoder.FeatureMapPass pass, List<INDArray> r, INDArray rPooled) {
        double loss = pass.pooled().mul(rPooled).sumNumber().doubleValue();
        for (int s = 0; s < r.size(); s++) {
            if (r.get(s) != null) {
                loss += pass.featureMaps().get(s).mul(r.get(s)).sumNumber().doubleValue();
            }
        }
        return loss;
    }

    @Test
    void featureMapBackwardFromSomeStagesAndThePooledVectorMatchesFiniteDifferences() {
        ResNetEncoder encoder = Encoders.create(tinyResNet20());
        INDArray x = images(21, 4, 1, 8, 8);
        FeatureMapEncoder.FeatureMapPass pass = encoder.forwardFeatureMaps(x, Encoder.Mode.TRAINING, 2);
        assertThat(encoder.stageCount()).isEqualTo(3);
        assertThat(encoder.stageChannels()).containsExactly(16, 32, 64);
        assertThat(encoder.stageStrides()).containsExactly(1, 2, 4);
        assertThat(pass.featureMaps()).extracting(INDArray::shape)
                .containsExactly(new long[] {4, 16, 8, 8}, new long[] {4, 32, 4, 4}, new long[] {4, 64, 2, 2});
        List<INDArray> r = Arrays.asList(null, images(22, 4, 32, 4, 4), images(23, 4, 64, 2, 2));
        INDArray rPooled = images(24, 4, 64);
        encoder.zeroGradients();
        pass.backward(r, rPooled);

        SplittableRandom random = new SplittableRandom(2);
        double h = 1e-6;
        for (Map.Entry<String, INDArray> e : encoder.namedGradients().entrySet()) {
            INDArray gradient = e.getValue().reshape(e.getValue().length());
            if (ResNetEncoder.isHeadTensor(e.getKey())) {
                assertThat(gradient.norm2Number().doubleValue()).as("head tensor %s", e.getKey()).isZero();
                continue;
            }
            INDArray values = encoder.namedTensors().get(e.getKey()).reshape(e.getValue().length());
            long i = random.nextLong(values.length());
            double original = values.getDouble(i);
            values.putScalar(i, original + h);
            double plus = featureMapLoss(encoder.forwardFeatureMaps(x, Encoder.Mode.TRAINING, 2), r, rPooled);
            values.putScalar(i, original - h);
            double minus = featureMapLoss(encoder.forwardFeatureMaps(x, Encoder.Mode.TRAINING, 2), r, rPooled);
            values.putScalar(i, original);
            double numeric = (plus - minus) / (2 * h);
            double analytic = gradient.getDouble(i);
            assertThat(Math.abs(analytic - numeric)).as("%s[%d]: %s vs %s", e.getKey(), i, analytic, numeric)
                    .isLessThanOrEqualTo(1e-6 * (Math.abs(analytic) + Math.abs(numeric)) + 1e-8);
        }
    }

    @Test
    void aGradientAtTheFirstStageOnlyLeavesTheDeeperStagesUntouched() {
        ResNetEncoder encoder = Encoders.create(tinyResNet20());
        FeatureMapEncoder.FeatureMapPass pass = encoder.forwardFeatureMaps(images(25, 4, 1, 8, 8), Encoder.Mode.TRAINING, 1);
        encoder.zeroGradients();
        pass.backward(Arrays.asList(images(26, 4, 16, 8, 8), null, null), null);
        Map<String, INDArray> g = encoder.namedGradients();
        assertThat(g.get("layer1.0.conv1.weight").norm2Number().doubleValue()).isPositive();
        assertThat(g.get("conv1.weight").norm2Number().doubleValue()).isPositive();
        assertThat(g.get("layer2.0.conv1.weight").norm2Number().doubleValue()).isZero();
        assertThat(g.get("layer3.2.bn2.weight").norm2Number().doubleValue()).isZero();
        assertThatThrownBy(() -> pass.backward(null, images(27, 4, 64))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already");
        FeatureMapEncoder.FeatureMapPass other = encoder.forwardFeatureMaps(images(25, 4, 1, 8, 8), Encoder.Mode.TRAINING, 1);
        assertThatThrownBy(() -> other.backward(Arrays.asList(null, images(28, 4, 16, 8, 8), null), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 1");
    }

    @Test
    void imageNetLayoutStagesAreC2ToC5() {
        ResNetEncoder encoder = Encoders.create(EncoderSpec.of("resnet18").withSeed(1));
        assertThat(encoder.stageChannels()).containsExactly(64, 128, 256, 512);
        assertThat(encoder.stageStrides()).containsExactly(4, 8, 16, 32);
        FeatureMapEncoder.FeatureMapPass pass = encoder.forwardFeatureMaps(
                Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32), Encoder.Mode.INFERENCE, 1);
        assertThat(pass.featureMaps()).extracting(INDArray::shape).containsExactly(new long[] {2, 64, 8, 8},
                new long[] {2, 128, 4, 4}, new long[] {2, 256, 2, 2}, new long[] {2, 512, 1, 1});
        assertThat(pass.pooled().shape()).containsExactly(2, 512);
    }

    @Test
    void groupsInTrainingEqualSeparateForwardsOfTheChunks() {
        ResNetEncoder encoder = Encoders.create(tinyResNet20());
        INDArray x = images(7, 6, 1, 8, 8);
        INDArray grouped = encoder.copy().forward(x, Encoder.Mode.TRAINING, 3).output();
        for (int g = 0; g < 3; g++) {
            INDArray chunk = x.get(NDArrayIndex.interval(2 * g, 2 * g + 2)).dup();
            INDArray separate = encoder.copy().forward(chunk, Encoder.Mode.TRAINING, 1).output();
            assertThat(grouped.get(NDArrayIndex.interval(2 * g, 2 * g + 2)).equalsWithEps(separate, 1e-10)).isTrue();
        }
        INDArray whole = encoder.copy().forward(x, Encoder.Mode.TRAINING, 1).output();
        assertThat(whole.equalsWithEps(grouped, 1e-6)).isFalse();
    }

    @Test
    void twoLivePassesBackpropagateAndTheirGradientsAdd() {
        ResNetEncoder encoder = Encoders.create(tinyResNet20());
        INDArray a = images(8, 4, 1, 8, 8);
        INDArray b = images(9, 4, 1, 8, 8);
        INDArray ra = images(10, 4, 8);
        INDArray rb = images(11, 4, 8);

        encoder.zeroGradients();
        encoder.forward(a, Encoder.Mode.TRAINING).backward(ra);
        INDArray gradA = encoder.gradients().dup();
        encoder.zeroGradients();
        encoder.forward(b, Encoder.Mode.TRAINING).backward(rb);
        INDArray gradB = encoder.gradients().dup();

        encoder.zeroGradients();
        Encoder.Pass pa = encoder.forward(a, Encoder.Mode.TRAINING);
        Encoder.Pass pb = encoder.forward(b, Encoder.Mode.TRAINING);
        pb.backward(rb);   // most recent pass first: each pass owns its activations
        pa.backward(ra);
        assertThat(encoder.gradients().equalsWithEps(gradA.add(gradB), 1e-10)).isTrue();
        assertThatThrownBy(() -> pa.backward(ra)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already");
    }

    @Test
    void copyIsDeepAndIndependent() {
        ResNetEncoder original = Encoders.create(tinyResNet20());
        original.buffers().assign(Nd4j.rand(DataType.DOUBLE, original.buffers().length()).addi(0.5));
        ResNetEncoder copy = original.copy();
        assertThat(copy.parameters()).isEqualTo(original.parameters());
        assertThat(copy.buffers()).isEqualTo(original.buffers());
        INDArray x = images(12, 2, 1, 8, 8);
        assertThat(copy.represent(x)).isEqualTo(original.represent(x));

        INDArray before = original.parameters().dup();
        INDArray buffersBefore = original.buffers().dup();
        copy.parameters().addi(1.0);
        copy.forward(x, Encoder.Mode.TRAINING).backward(Nd4j.ones(DataType.DOUBLE, 2, 8));
        assertThat(original.parameters()).isEqualTo(before);
        assertThat(original.buffers()).isEqualTo(buffersBefore);
        assertThat(original.gradients().sumNumber().doubleValue()).isZero();
    }

    @Test
    void inferenceUsesRunningStatisticsAndUpdatesNothing() {
        ResNetEncoder encoder = Encoders.create(tinyResNet20());
        INDArray x = images(13, 4, 1, 8, 8);
        INDArray buffers = encoder.buffers().dup();
        INDArray first = encoder.forward(x, Encoder.Mode.INFERENCE).output();
        assertThat(encoder.buffers()).isEqualTo(buffers);
        // A single image gives the same output alone as in a batch: no batch statistics.
        INDArray single = encoder.forward(x.get(NDArrayIndex.interval(0, 1)).dup(), Encoder.Mode.INFERENCE).output();
        assertThat(single.equalsWithEps(first.get(NDArrayIndex.interval(0, 1)), 1e-12)).isTrue();
        // Training updates the running statistics, which changes the inference output.
        encoder.forward(x, Encoder.Mode.TRAINING);
        assertThat(encoder.buffers()).isNotEqualTo(buffers);
        assertThat(encoder.forward(x, Encoder.Mode.INFERENCE).output().equalsWithEps(first, 1e-9)).isFalse();
        Encoder.Pass inference = encoder.forward(x, Encoder.Mode.INFERENCE);
        assertThatThrownBy(() -> inference.backward(Nd4j.ones(DataType.DOUBLE, 4, 8)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("INFERENCE");
    }

    @Test
    void badInputIsReportedClearly() {
        ResNetEncoder encoder = Encoders.create(tinyResNet20());
        assertThatThrownBy(() -> encoder.forward(Nd4j.rand(DataType.DOUBLE, 4, 3, 8, 8), Encoder.Mode.TRAINING))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, 1, H, W]");
        assertThatThrownBy(() -> encoder.forward(Nd4j.rand(DataType.DOUBLE, 4, 1, 8, 8), Encoder.Mode.TRAINING, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not divide");
        assertThatThrownBy(() -> Encoders.create("resnet21")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resnet20");
    }
}
