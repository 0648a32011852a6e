package dev.moco.bench.cli.interop;

import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.EncoderWeights;
import dev.moco.encoders.ResNetEncoder;
import dev.moco.encoders.interop.TorchvisionResNets;
import dev.moco.encoders.interop.WeightsFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moco import}: a PyTorch checkpoint (an official MoCo {@code .pth.tar}, a torchvision
 * ResNet state dict; zip or legacy) or a safetensors file, converted to moco encoder weights
 * ({@link EncoderWeights}), which every command that takes {@code --checkpoint} / {@code --init} reads.
 *
 * <pre>
 * ./moco import --from moco_v2_800ep_pretrain.pth.tar --out mocov2-r50.zip
 * ./moco import --from resnet18.pth --out r18-grey.zip --input-channels 1   # for Fashion-MNIST
 * </pre>
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Converts a PyTorch checkpoint (.pth/.pth.tar, zip or legacy) or a safetensors file to moco encoder weights.",
        footer = {"", "Reads without running any code from the file: see docs/interop.md."})
public final class ImportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--from", required = true, paramLabel = "FILE",
            description = "An official MoCo checkpoint, a torchvision ResNet state dict (.pth, zip or legacy), or a safetensors file.")
    Path from;

    @Option(names = "--out", required = true, paramLabel = "FILE.zip", description = "The moco encoder weights file to write.")
    Path out;

    @Option(names = "--input-channels", defaultValue = "0", paramLabel = "N",
            description = "0: as stored (default); 1: fold an RGB conv1 to grey by summing its input channels.")
    int inputChannels;

    @Option(names = "--backbone-only", description = "Write the backbone without the projection head.")
    boolean backboneOnly;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        TorchvisionResNets.Imported imported = TorchvisionResNets.read(from, inputChannels);
        ResNetEncoder encoder = imported.encoder();
        EncoderSpec s = encoder.spec();
        out.println("read: " + WeightsFile.detect(from).map(WeightsFile.Format::description).orElse("") + " " + from
                + " (" + imported.layout() + ")");
        out.println("encoder: " + s.architecture() + ", " + s.inputChannels() + " input channel(s), width " + s.widthMultiplier()
                + ", head " + s.head() + (s.head() == dev.moco.encoders.HeadType.NONE ? "" : " to " + s.featureDimension())
                + ", " + encoder.namedTensors().size() + " tensors");
        imported.unused().forEach(u -> out.println("not imported: " + u));
        if (backboneOnly) {
            EncoderWeights.saveBackbone(encoder, this.out);
        } else {
            EncoderWeights.save(encoder, this.out);
        }
        out.println("wrote " + (backboneOnly ? "backbone" : "encoder") + " weights to " + this.out);
        out.flush();
        return 0;
    }
}
