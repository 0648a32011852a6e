package dev.moco.bench.cli;

import dev.moco.bench.cli.RunDirectory;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The run-directory options of the commands that write a run and can continue one
 * ({@code train-supervised}, {@code transfer segment|detect}), with the rule of
 * {@link RunDirectory}: a run in {@code --out} is refused unless {@code --overwrite} (which
 * deletes it when the work begins) or {@code --resume} (which continues it from its last
 * checkpoint). Each command gives {@code --out} its own default through its default-value
 * provider, so that two commands never share one.
 */
public final class RunOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: ${DEFAULT-VALUE}).")
    public Path out;

    @Option(names = "--overwrite", description = "Start a new run in an --out that holds another run, deleting that run's files"
            + " first (without it, such a run is refused).")
    public boolean overwrite;

    @Option(names = "--resume", description = "Continue the interrupted run in --out from its last checkpoint; give the options"
            + " it was started with.")
    public boolean resume;

    /**
     * Applies the rule before any work.
     *
     * @throws CommandLine.ParameterException (exit 2) for --overwrite with --resume, or no --out
     * @throws IllegalArgumentException (exit 1) if --out cannot be written or holds a run it may not replace
     */
    public RunDirectory.Start check() {
        if (out == null) {
            throw new CommandLine.ParameterException(command.commandLine(), "Missing required option: '--out=DIR'");
        }
        if (overwrite && resume) {
            throw new CommandLine.ParameterException(command.commandLine(), "--overwrite and --resume exclude each other:"
                    + " --overwrite deletes the run in --out that --resume would continue");
        }
        return RunDirectory.check("--out", out, overwrite, resume);
    }
}
