package dev.moco.encoders.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.ResNetEncoder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** moco's ResNets written under torchvision's names and read back, and the layouts and mismatches of files from outside. */
class TorchvisionResNetsTest {

    @TempDir
    Path dir;

    /** A small encoder whose BN statistics are not the initial ones, so that buffers are checked too. */
    private static ResNetEncoder encoder(HeadType head) {
        ResNetEncoder encoder = Encoders.create(EncoderSpec.of("resnet20").withHead(head).withFeatureDimension(16).withSeed(3));
        Nd4j.getRandom().setSeed(11);
        encoder.namedTensors().forEach((name, tensor) -> {
            if (name.endsWith("running_mean")) {
                tensor.assign(Nd4j.randn(DataType.FLOAT, tensor.shape()));
            } else if (name.endsWith("running_var")) {
                tensor.assign(Nd4j.rand(DataType.FLOAT, tensor.shape()).addi(0.5));
            }
        });
        return encoder;
    }

    private Path write(ResNetEncoder encoder, String format) {
        Path file = dir.resolve("encoder." + format);
        if (format.equals("safetensors")) {
            TorchvisionResNets.writeSafetensors(encoder, encoder.spec(), true, file);
        } else {
            TorchvisionResNets.writePth(encoder, true, file);
        }
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"safetensors", "pth"})
    void anEncoderWithTheMocoV2HeadComesBackBitForBit(String format) {
        ResNetEncoder original = encoder(HeadType.MLP);

        ResNetEncoder read = TorchvisionResNets.read(write(original, format), 0).encoder();

        assertThat(read.spec()).isEqualTo(original.spec().withSeed(0));
        assertThat(read.namedTensors().keySet()).containsExactlyElementsOf(original.namedTensors().keySet());
        original.namedTensors().forEach((name, tensor) -> assertThat(read.namedTensors().get(name)).as(name).isEqualTo(tensor));
    }

    @Test
    void theMlpHeadIsWrittenUnderTheOfficialMocoNamesAndALinearHeadAsFc() {
        assertThat(TorchvisionResNets.stateDict(encoder(HeadType.MLP), true))
                .containsKeys("conv1.weight", "layer3.2.bn2.running_var", "fc.0.weight", "fc.0.bias", "fc.2.weight", "fc.2.bias")
                .doesNotContainKeys("head.0.weight");
        assertThat(TorchvisionResNets.stateDict(encoder(HeadType.LINEAR), true)).containsKeys("fc.weight", "fc.bias");
        assertThat(TorchvisionResNets.stateDict(encoder(HeadType.MLP), false).keySet()).noneMatch(n -> n.startsWith("fc."));
    }

    @Test
    void namesThatDoNotMatchAndShapesThatDisagreeAreListedInOneMessage() {
        Map<String, INDArray> tensors = new LinkedHashMap<>(TorchvisionResNets.stateDict(encoder(HeadType.NONE), true));
        tensors.remove("layer1.0.bn1.weight");
        tensors.put("layer2.0.conv1.weight", Nd4j.zeros(DataType.FLOAT, 32, 16, 5, 5));
        tensors.put("layer9.0.extra.weight", Nd4j.zeros(DataType.FLOAT, 3));
        Path file = dir.resolve("mismatch.pth");
        TorchStateDictWriter.write(file, tensors);

        assertThatThrownBy(() -> TorchvisionResNets.read(file, 0))
                .isInstanceOf(WeightsFileException.class)
                .hasMessageNotContaining("\n")
                .hasMessage(file + ": a ResNet with basic blocks {layer1=3, layer2=3, layer3=3, layer9=1}, which is none of"
                        + " [resnet20, resnet32, resnet44, resnet56, resnet110, resnet18, resnet34, resnet50, resnet101]");
        tensors.remove("layer9.0.extra.weight");
        tensors.put("extra.weight", Nd4j.zeros(DataType.FLOAT, 3));
        TorchStateDictWriter.write(file, tensors);

        assertThatThrownBy(() -> TorchvisionResNets.read(file, 0))
                .isInstanceOf(WeightsFileException.class)
                .hasMessage(file + ": does not fit resnet20 (3 problems): missing layer1.0.bn1.weight [16];"
                        + " layer2.0.conv1.weight is [32, 16, 5, 5], expected [32, 16, 3, 3]; unexpected extra.weight [3]");
    }

    @Test
    void theOfficialLayoutGivesTheQueryEncoderAndNamesWhatItLeavesOut() {
        ResNetEncoder query = encoder(HeadType.MLP);
        ResNetEncoder key = encoder(HeadType.MLP);
        Map<String, INDArray> state = new LinkedHashMap<>();
        TorchvisionResNets.stateDict(query, true).forEach((n, t) -> state.put("module.encoder_q." + n, t));
        TorchvisionResNets.stateDict(key, true).forEach((n, t) -> state.put("module.encoder_k." + n, t));
        state.put("module.queue", Nd4j.rand(DataType.FLOAT, 16, 64));
        state.put("module.queue_ptr", Nd4j.zeros(DataType.LONG, 1));
        Path file = dir.resolve("moco.pth.tar");
        TorchStateDictWriter.write(file, state);

        TorchvisionResNets.Imported imported = TorchvisionResNets.read(file, 0);

        assertThat(imported.layout()).isEqualTo("official MoCo checkpoint, query encoder");
        query.namedTensors().forEach((name, tensor) -> assertThat(imported.encoder().namedTensors().get(name)).as(name).isEqualTo(tensor));
        assertThat(imported.unused()).containsExactly("module.encoder_k.* (" + key.namedTensors().size() + " tensors)",
                "module.queue float32[16, 64]", "module.queue_ptr int64[1]");
    }

    @Test
    void anRgbStemFoldedToGreyRespondsToAGreyImageAsTheRgbStemToItsThreeCopies() {
        ResNetEncoder rgb = encoder(HeadType.NONE);
        Path file = write(rgb, "pth");

        ResNetEncoder grey = TorchvisionResNets.read(file, 1).encoder();

        assertThat(grey.spec().inputChannels()).isEqualTo(1);
        INDArray image = Nd4j.rand(DataType.FLOAT, 2, 1, 16, 16);
        INDArray threeCopies = Nd4j.concat(1, image, image, image);
        INDArray expected = rgb.forward(threeCopies, Encoder.Mode.INFERENCE, 1).output();
        INDArray actual = grey.forward(image, Encoder.Mode.INFERENCE, 1).output();
        // the same sums in another order: float rounding only
        assertThat(actual.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5 * expected.amaxNumber().doubleValue() + 1e-5);
    }
}
