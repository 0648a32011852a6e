package dev.moco.bench.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/**
 * {@code --no-progress}, shared by every command that draws progress bars (on stderr), so that
 * logs and the experiments that run commands in their own process can turn them off.
 */
public final class ProgressOption {

    /** The option's name, for a command line built by code. */
    public static final String NO_PROGRESS = "--no-progress";

    private static final PrintStream DISCARD = new PrintStream(OutputStream.nullOutputStream());

    @Option(names = NO_PROGRESS, description = "No progress bar.")
    boolean hidden;

    /** {@return whether to draw progress bars} */
    public boolean shown() {
        return !hidden;
    }

    /** {@return where progress bars go: stderr, or nowhere with --no-progress} */
    public PrintStream bars() {
        return hidden ? DISCARD : System.err;
    }
}
