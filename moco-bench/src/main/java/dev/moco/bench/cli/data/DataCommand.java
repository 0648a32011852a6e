package dev.moco.bench.cli.data;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code moco data}: data sets made from the installed ones. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Build data sets (the canvases benchmark).",
        subcommands = {CanvasesCommand.class})
public final class DataCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
