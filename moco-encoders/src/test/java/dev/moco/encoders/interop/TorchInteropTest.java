package dev.moco.encoders.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.NamedParameters;
import dev.moco.encoders.ResNetEncoder;
import dev.moco.tensorfile.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Against PyTorch as Debian ships it ({@code python3-torch}, {@code python3-torchvision}):
 * {@code torch_reference.py} writes a torchvision ResNet-50 with the MoCo v2 head in the
 * official checkpoint layout (zip and legacy) and a torchvision ResNet-18 state dict, with BN
 * statistics that make inference mode no identity, and PyTorch's outputs on fixed images.
 * moco reads each file into both implementations and must agree to {@value #TOLERANCE}; then
 * moco's safetensors and {@code .pth} exports go back to torchvision (strict, and the backbone
 * into a plain model) and must agree again. A payload moco refuses is shown to be live: PyTorch's
 * default loader runs it. Tagged {@code interop}: run by the interop stage of {@code .ci/run}, not
 * by the default build.
 */
@Tag("interop")
class TorchInteropTest {

    static final double TOLERANCE = 1e-4;
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    static Path dir;
    private static final List<String> figures = new ArrayList<>();

    @BeforeAll
    static void pytorchWritesTheReferenceFiles() throws Exception {
        python("make", dir.toString());
    }

    @AfterAll
    static void report() {
        System.out.println("interop parity (max abs difference to PyTorch):");
        figures.forEach(f -> System.out.println("  " + f));
    }

    @ParameterizedTest(name = "{0} on {2}")
    @CsvSource({
        "moco_v2_zip.pth.tar, resnet50-mocov2, reference",
        "moco_v2_zip.pth.tar, resnet50-mocov2, fast",
        "moco_v2_legacy.pth.tar, resnet50-mocov2, reference",
        "moco_v2_legacy.pth.tar, resnet50-mocov2, fast",
        "resnet18.pth, resnet18, reference",
        "resnet18.pth, resnet18, fast",
    })
    void pooledFeaturesAndHeadOutputsMatchPyTorchInInferenceMode(String file, String model, String implementation) throws Exception {
        TorchvisionResNets.Imported imported = TorchvisionResNets.read(dir.resolve(file), 0);
        ResNetEncoder reference = imported.encoder();
        assertThat(reference.spec().head()).isEqualTo(model.equals("resnet18") ? HeadType.LINEAR : HeadType.MLP);
        Encoder encoder = EncoderImplementation.choose(reference.spec(), implementation).create(reference.spec());
        if (encoder != reference && encoder instanceof NamedParameters named) {
            NamedParameters.copy(reference, named);
        }
        INDArray images = npy("images.npy");
        double features = maxAbsDiff(encoder.represent(images), npy(model + "_features.npy"));
        double head = maxAbsDiff(encoder.forward(images, Encoder.Mode.INFERENCE, 1).output(), npy(model + "_head.npy"));
        figures.add(String.format(Locale.ROOT, "%-24s %-9s features %.2e  head %.2e", file, implementation, features, head));
        assertThat(features).as("pooled features of %s, %s", file, implementation).isLessThanOrEqualTo(TOLERANCE);
        assertThat(head).as("head output of %s, %s", file, implementation).isLessThanOrEqualTo(TOLERANCE);
        if (encoder != reference) {
            encoder.close();
        }
    }

    @ParameterizedTest(name = "{0} exported as {2}")
    @CsvSource({
        "moco_v2_legacy.pth.tar, resnet50-mocov2, safetensors",
        "moco_v2_legacy.pth.tar, resnet50-mocov2, pth",
        "resnet18.pth, resnet18, safetensors",
        "resnet18.pth, resnet18, pth",
    })
    void exportsLoadIntoTorchvisionWithWeightsOnlyAndGiveTheSameFeatures(String file, String model, String format) throws Exception {
        ResNetEncoder encoder = TorchvisionResNets.read(dir.resolve(file), 0).encoder();
        Path exported = dir.resolve(model + "-export." + format);
        if (format.equals("safetensors")) {
            TorchvisionResNets.writeSafetensors(encoder, encoder.spec(), true, exported);
        } else {
            TorchvisionResNets.writePth(encoder, true, exported);
        }
        String line = python("verify", model, exported.toString(), dir.toString());
        Matcher m = Pattern.compile("features (\\S+) head (\\S+) plain-backbone (\\S+)").matcher(line);
        assertThat(m.find()).as("verify output: %s", line).isTrue();
        figures.add(String.format(Locale.ROOT, "%-24s back in torchvision: features %s  head %s  backbone-only %s",
                exported.getFileName(), m.group(1), m.group(2), m.group(3)));
        for (int g = 1; g <= 3; g++) {
            assertThat(Double.parseDouble(m.group(g))).as("%s: %s", exported.getFileName(), line).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @Test
    void theRefusedPayloadIsLiveForPyTorchsDefaultLoaderAndMocoDoesNotRunIt() throws Exception {
        Path marker = dir.resolve("payload-ran");
        byte[] payload = PickleBytes.protocol(2).global("posix", "system").mark().unicode("touch " + marker).tuple().reduce()
                .stop().bytes();
        Path file = TorchFileFixtures.zip(dir.resolve("payload.pth"), payload, Map.of());

        assertThatThrownBy(() -> WeightsFile.open(file))
                .isInstanceOf(WeightsFileException.class).hasMessageContaining("'posix.system'");
        assertThat(marker).doesNotExist();

        // the same file given to torch.load without weights_only runs the command: the refusal above is what protects
        Process p = new ProcessBuilder(PYTHON, "-c", "import sys, torch\ntry:\n    torch.load(sys.argv[1])\nexcept Exception:\n    pass",
                file.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(marker).exists();
    }

    private static INDArray npy(String name) throws IOException {
        try (InputStream in = Files.newInputStream(dir.resolve(name))) {
            return Npy.read(in).castTo(DataType.FLOAT);
        }
    }

    private static double maxAbsDiff(INDArray actual, INDArray expected) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        return actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /** Runs the reference script; its last output line. */
    private static String python(String... args) throws Exception {
        Path script = Path.of(TorchInteropTest.class.getResource("/interop/torch_reference.py").toURI());
        List<String> command = new ArrayList<>(List.of(PYTHON, script.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as("%s failed (needs python3-torch and python3-torchvision):%n%s", command, output).isZero();
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }
}
