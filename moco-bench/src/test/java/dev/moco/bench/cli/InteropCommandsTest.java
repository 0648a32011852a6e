package dev.moco.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.EncoderWeights;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.ResNetEncoder;
import dev.moco.encoders.interop.TorchvisionResNets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moco import}, {@code moco export weights}, and {@code export-features} on a PyTorch file, run in-process. */
class InteropCommandsTest {

    @TempDir
    Path dir;

    /** A file as PyTorch would hold it: an RGB resnet20 with the MoCo v2 head under torchvision names. */
    private Path pytorchFile(int channels) {
        ResNetEncoder encoder = Encoders.create(EncoderSpec.of("resnet20").withInputChannels(channels).withHead(HeadType.MLP).withSeed(5));
        Path file = dir.resolve("r20-" + channels + ".pth");
        TorchvisionResNets.writePth(encoder, true, file);
        return file;
    }

    @Test
    void importConvertsAPyTorchFileToWeightsAndSaysWhatItRead() {
        Path pth = pytorchFile(3);
        Path out = dir.resolve("grey.zip");

        MocoCommandTest.Outcome o = MocoCommandTest.run("import", "--from", pth.toString(), "--out", out.toString(), "--input-channels", "1");

        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("read: PyTorch zip checkpoint " + pth + " (torchvision state dict)")
                .contains("encoder: resnet20, 1 input channel(s), width 1, head MLP to 128")
                .contains("wrote encoder weights to " + out);
        assertThat(EncoderWeights.load(out).spec().inputChannels()).isEqualTo(1);
    }

    @Test
    void exportWeightsWritesWhatImportReadsBack() {
        Path pth = pytorchFile(3);
        Path weights = dir.resolve("w.zip");
        Path safetensors = dir.resolve("w.safetensors");
        assertThat(MocoCommandTest.run("import", "--from", pth.toString(), "--out", weights.toString()).exitCode()).isZero();

        MocoCommandTest.Outcome o = MocoCommandTest.run("export", "weights", "--checkpoint", weights.toString(),
                "--format", "safetensors", "--out", safetensors.toString());

        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("to " + safetensors);
        ResNetEncoder original = EncoderWeights.load(weights);
        ResNetEncoder back = TorchvisionResNets.read(safetensors, 0).encoder();
        original.namedTensors().forEach((name, t) -> assertThat(back.namedTensors().get(name)).as(name).isEqualTo(t));
    }

    @Test
    void anUnknownFormatAndAHostileFileAreOneLineErrors() throws IOException {
        Path pth = pytorchFile(3);
        MocoCommandTest.Outcome badFormat = MocoCommandTest.run("export", "weights", "--checkpoint", pth.toString(),
                "--format", "onnx", "--out", dir.resolve("x.onnx").toString());
        assertThat(badFormat.exitCode()).isEqualTo(1);
        assertThat(badFormat.err().strip()).isEqualTo("moco export weights: error: --format onnx is not one of safetensors, pth");

        // a legacy-format file whose first pickle, where the magic number belongs, names os.system
        Path hostile = Files.write(dir.resolve("evil.pth"), new byte[] {(byte) 0x80, 2, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n',
            ')', 'R', '.'});
        MocoCommandTest.Outcome refused = MocoCommandTest.run("import", "--from", hostile.toString(), "--out", dir.resolve("e.zip").toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err().strip()).doesNotContain("\n").startsWith("moco import: error: " + hostile)
                .contains("names the global 'os.system'");
    }

    @Test
    void exportFeaturesReadsAPyTorchFile() throws IOException {
        Path pth = pytorchFile(1);
        Path data = MocoCommandTest.writeIdx(dir.resolve("data"), 12);
        Path out = dir.resolve("f.npy");

        MocoCommandTest.Outcome o = MocoCommandTest.run("export-features", "--checkpoint", pth.toString(), "--data", data.toString(),
                "--out", out.toString());

        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("wrote 12 features of dimension 64 to " + out);
    }
}
