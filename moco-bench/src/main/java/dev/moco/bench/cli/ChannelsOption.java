package dev.moco.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --channels 1|3}: the channel count image folders are read with. Without it a folder is
 * read with its own: 1 when every image is grey, else 3 (grey images among colour ones are
 * replicated to RGB). IDX files are grey.
 */
public final class ChannelsOption {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    private int channels;

    @Option(names = "--channels", paramLabel = "1|3", description = "Read image folders as grey (1) or RGB (3), converting"
            + " as needed (default: the folder's: 1 if every image is grey, else 3).")
    void channels(int value) {
        if (value != 1 && value != 3) {
            throw new CommandLine.ParameterException(command.commandLine(), "--channels must be 1 (grey) or 3 (RGB), got "
                    + value);
        }
        channels = value;
    }

    /** {@return 1, 3, or 0 for the folder's own} */
    public int channels() {
        return channels;
    }
}
