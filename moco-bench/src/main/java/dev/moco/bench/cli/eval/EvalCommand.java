package dev.moco.bench.cli.eval;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code moco eval}: frozen-feature evaluations. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a frozen encoder: linear classification or kNN.",
        subcommands = {LinearEvalCommand.class, KnnEvalCommand.class})
public final class EvalCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
