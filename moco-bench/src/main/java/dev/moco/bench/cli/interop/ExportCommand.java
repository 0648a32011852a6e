package dev.moco.bench.cli.interop;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code moco export}: files for other frameworks ({@code export-features} writes features). */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a trained encoder for other frameworks.",
        subcommands = {ExportWeightsCommand.class})
public final class ExportCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
