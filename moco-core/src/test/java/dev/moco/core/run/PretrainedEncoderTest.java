package dev.moco.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.FeatureMapEncoder;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.EncoderWeights;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.ResNetEncoder;
import dev.moco.encoders.interop.TorchvisionResNets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link PretrainedEncoder#load(Path)} on weights files, and its errors for what is not one. */
class PretrainedEncoderTest {

    private static final EncoderSpec SPEC = EncoderSpec.of("resnet20").withInputChannels(1).withSeed(7);

    @TempDir
    Path dir;

    @Test
    void aWeightsFileLoadsIntoTheArchitectureItRecordsAndGivesTheSavedEncodersFeatures() {
        ResNetEncoder saved = Encoders.create(SPEC);
        Path file = dir.resolve("fq.zip");
        EncoderWeights.save(saved, file);

        PretrainedEncoder loaded = PretrainedEncoder.load(file, "reference");

        assertThat(loaded.spec()).contains(SPEC);
        assertThat(loaded.normalization()).isEmpty();
        assertThat(loaded.imageSize()).isEmpty();
        assertThat(loaded.description()).isEqualTo("encoder weights " + file);
        assertThat(loaded.encoder().parameters()).isEqualTo(saved.parameters());
        assertThat(loaded.encoder().buffers()).isEqualTo(saved.buffers());
        INDArray images = Nd4j.rand(DataType.FLOAT, 3, 1, 28, 28);
        assertThat(loaded.features(images)).isEqualTo(saved.represent(images));   // no normalisation: images as given
        assertThat(loaded.featureMapEncoder()).isSameAs(loaded.encoder());
    }

    @Test
    void aBackboneFileLeavesTheHeadAsTheSpecInitialisesIt() {
        ResNetEncoder trained = Encoders.create(SPEC.withSeed(99));
        Path file = dir.resolve("backbone.zip");
        EncoderWeights.saveBackbone(trained, file);

        PretrainedEncoder loaded = PretrainedEncoder.load(file, "reference");
        ResNetEncoder fresh = Encoders.create(SPEC.withSeed(99));
        ResNetEncoder other = (ResNetEncoder) loaded.encoder();
        trained.namedTensors().forEach((name, tensor) -> {
            if (ResNetEncoder.isHeadTensor(name)) {
                assertThat(other.namedTensors().get(name)).as(name).isEqualTo(fresh.namedTensors().get(name));
            } else {
                assertThat(other.namedTensors().get(name)).as(name).isEqualTo(tensor);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"encoder.pth", "encoder.safetensors"})
    void aPyTorchOrSafetensorsFileWithTorchvisionNamesLoadsIntoEitherImplementation(String name) {
        ResNetEncoder saved = Encoders.create(SPEC.withInputChannels(3));
        Path file = dir.resolve(name);
        if (name.endsWith(".pth")) {
            TorchvisionResNets.writePth(saved, true, file);
        } else {
            TorchvisionResNets.writeSafetensors(saved, saved.spec(), true, file);
        }

        for (String implementation : new String[] {"reference", "auto"}) {
            PretrainedEncoder loaded = PretrainedEncoder.load(file, implementation);

            assertThat(loaded.spec()).contains(SPEC.withInputChannels(3).withSeed(0));
            assertThat(loaded.normalization()).isEmpty();
            assertThat(loaded.description()).endsWith(file + " (torchvision state dict)");
            INDArray images = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
            INDArray expected = saved.represent(images);
            assertThat(loaded.features(images).sub(expected).amaxNumber().doubleValue()).as(implementation).isLessThan(1e-4);
            loaded.encoder().close();
        }
    }

    @Test
    void aRandomEncoderIsTheSpecsInitialisation() {
        PretrainedEncoder random = PretrainedEncoder.random(SPEC, "reference");
        assertThat(random.encoder().parameters()).isEqualTo(Encoders.create(SPEC).parameters());
        assertThat(random.description()).isEqualTo("random resnet20 (seed 7)");
        FeatureMapEncoder stages = random.featureMapEncoder();
        assertThat(stages).isSameAs(random.encoder());
    }

    @Test
    void aMissingPathOrAFileThatIsNoZipIsNamed() throws IOException {
        Path missing = dir.resolve("nope.zip");
        assertThatThrownBy(() -> PretrainedEncoder.load(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(missing + " does not exist: give a checkpoint (.zip or run directory), an encoder weights file,"
                        + " a PyTorch .pth or a safetensors file");
        Path text = Files.writeString(dir.resolve("notes.zip"), "not a zip");
        assertThatThrownBy(() -> PretrainedEncoder.load(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(text + " is not a zip file: neither a checkpoint nor encoder weights");
    }
}
