package dev.moco.bench.cli.transfer;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code moco transfer}: dense transfer by fine-tuning on the canvases benchmark. */
@Command(name = "transfer", mixinStandardHelpOptions = true,
        description = "Fine-tune an encoder for segmentation, detection or instance segmentation on the Fashion-MNIST canvases.",
        subcommands = {SegmentCommand.class, DetectCommand.class, InstancesCommand.class})
public final class TransferCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
