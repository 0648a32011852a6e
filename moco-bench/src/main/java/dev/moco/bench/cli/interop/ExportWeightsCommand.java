package dev.moco.bench.cli.interop;

import dev.moco.core.run.PretrainedEncoder;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.NamedParameters;
import dev.moco.encoders.interop.TorchvisionResNets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moco export weights}: an encoder's tensors under torchvision's names, as safetensors or
 * as a PyTorch zip-format state dict that {@code torch.load(path, weights_only=True)} reads.
 *
 * <pre>
 * ./moco export weights --checkpoint runs/v2 --format pth --out r50.pth
 * python3 -c "import torch, torchvision; m = torchvision.models.resnet50();
 *             print(m.load_state_dict(torch.load('r50.pth', weights_only=True), strict=False))"
 * </pre>
 */
@Command(name = "weights", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes an encoder's weights with torchvision names as safetensors or a PyTorch .pth state dict.",
        footer = {"", "The MoCo v2 MLP head is written as fc.0 / fc.2 (the official MoCo names), a linear head as fc.",
            "num_batches_tracked is not written: torch's BatchNorm fills it in on load_state_dict."})
public final class ExportWeightsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "A checkpoint (.zip or run directory), an encoder weights file, or a PyTorch / safetensors file.")
    Path checkpoint;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "safetensors or pth.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The file to write.")
    Path out;

    @Option(names = "--backbone-only", description = "Leave out the projection head (for torchvision's resnet*() with its 1000-way fc).")
    boolean backboneOnly;

    @Override
    public Integer call() {
        String f = format.trim().toLowerCase(Locale.ROOT);
        if (!f.equals("safetensors") && !f.equals("pth")) {
            throw new IllegalArgumentException("--format " + format + " is not one of safetensors, pth");
        }
        PretrainedEncoder loaded = PretrainedEncoder.load(checkpoint, "reference");
        EncoderSpec encoderSpec = loaded.spec().orElseThrow(() -> new IllegalArgumentException(
                loaded.description() + ": an encoder of one's own, not one of moco's ResNets; nothing to name"));
        if (!(loaded.encoder() instanceof NamedParameters named)) {
            throw new IllegalArgumentException(loaded.description() + ": the encoder has no named tensors");
        }
        boolean withHead = !backboneOnly;
        if (f.equals("safetensors")) {
            TorchvisionResNets.writeSafetensors(named, encoderSpec, withHead, out);
        } else {
            TorchvisionResNets.writePth(named, withHead, out);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println("encoder: " + loaded.description());
        w.println("wrote " + TorchvisionResNets.stateDict(named, withHead).size() + " tensors (" + encoderSpec.architecture()
                + (withHead ? ", head " + encoderSpec.head() : ", backbone only") + ") to " + out);
        w.flush();
        return 0;
    }
}
