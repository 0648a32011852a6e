package dev.moco.encoders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EncoderWeightsTest {

    @TempDir
    Path dir;

    private static ResNetEncoder trainedALittle(EncoderSpec spec) {
        ResNetEncoder encoder = Encoders.create(spec);
        Nd4j.getRandom().setSeed(3);
        encoder.forward(Nd4j.randn(spec.dataType(), 4, spec.inputChannels(), 8, 8), Encoder.Mode.TRAINING);
        return encoder;
    }

    @Test
    void roundTripIsBitExactForFloatAndDouble() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            ResNetEncoder encoder = trainedALittle(EncoderSpec.of("resnet20").withInputChannels(1).withSeed(9).withDataType(type));
            Path file = dir.resolve("r20-" + type + ".zip");
            EncoderWeights.save(encoder, file);
            ResNetEncoder loaded = EncoderWeights.load(file);
            assertThat(loaded.spec()).isEqualTo(encoder.spec());
            assertThat(loaded.parameters()).isEqualTo(encoder.parameters());
            assertThat(loaded.buffers()).isEqualTo(encoder.buffers());
            assertThat(loaded.buffers().dataType()).isEqualTo(type);
        }
    }

    @Test
    void filesHoldOneNpyPerTorchvisionNamedTensor() {
        ResNetEncoder encoder = trainedALittle(EncoderSpec.of("resnet20").withInputChannels(1).withHead(HeadType.LINEAR));
        Path file = dir.resolve("w.zip");
        EncoderWeights.save(encoder, file);
        Map<String, INDArray> tensors = EncoderWeights.readTensors(file);
        assertThat(tensors.keySet()).containsExactlyElementsOf(encoder.namedTensors().keySet());
        assertThat(tensors.get("layer2.0.downsample.0.weight").shape()).containsExactly(32, 16, 1, 1);
        assertThat(tensors.get("fc.weight")).isEqualTo(encoder.namedTensors().get("fc.weight"));
        assertThat(EncoderWeights.readManifest(file).getProperty("architecture")).isEqualTo("resnet20");
    }

    @Test
    void backboneExportHasNoHeadAndLoadsIntoAnotherHead() {
        ResNetEncoder source = trainedALittle(EncoderSpec.of("resnet20").withInputChannels(1).withSeed(1));
        Path file = dir.resolve("backbone.zip");
        EncoderWeights.saveBackbone(source, file);
        assertThat(EncoderWeights.readTensors(file).keySet()).noneMatch(ResNetEncoder::isHeadTensor)
                .contains("conv1.weight", "bn1.running_mean", "layer3.2.bn2.bias");

        ResNetEncoder target = Encoders.create(EncoderSpec.of("resnet20").withInputChannels(1).withSeed(2)
                .withHead(HeadType.LINEAR).withFeatureDimension(10));
        INDArray head = target.namedTensors().get("fc.weight").dup();
        EncoderWeights.loadBackbone(target, file);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 1, 8, 8);
        assertThat(target.represent(x)).isEqualTo(source.represent(x));
        assertThat(target.namedTensors().get("fc.weight")).isEqualTo(head);
        assertThatThrownBy(() -> EncoderWeights.load(file)).hasMessageContaining("only a backbone");
    }

    @Test
    void loadingAnotherArchitectureNamesTheTensor() {
        Path file = dir.resolve("r32.zip");
        EncoderWeights.save(Encoders.create(EncoderSpec.of("resnet32").withInputChannels(1)), file);
        ResNetEncoder r20 = Encoders.create(EncoderSpec.of("resnet20").withInputChannels(1));
        INDArray before = r20.parameters().dup();
        assertThatThrownBy(() -> EncoderWeights.loadInto(r20, file))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer1.3.conv1.weight");
        assertThat(r20.parameters()).isEqualTo(before);

        ResNetEncoder wide = Encoders.create(EncoderSpec.of("resnet20").withInputChannels(1).withWidthMultiplier(2));
        Path wideFile = dir.resolve("wide.zip");
        EncoderWeights.save(wide, wideFile);
        assertThatThrownBy(() -> EncoderWeights.loadInto(r20, wideFile))
                .hasMessageContaining("conv1.weight").hasMessageContaining("[32, 1, 3, 3]").hasMessageContaining("[16, 1, 3, 3]");
    }
}
