package dev.moco.bench.cli.downstream;

import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import picocli.CommandLine.Option;

/** The options describing a random encoder, and the implementation to run any encoder with. */
public final class EncoderOptions {

    @Option(names = "--encoder", defaultValue = "resnet20", paramLabel = "ARCH",
            description = "Architecture of a random encoder (default: ${DEFAULT-VALUE}).")
    public String architecture;

    @Option(names = "--encoder-seed", defaultValue = "0", paramLabel = "S",
            description = "Initialisation seed of a random encoder (default: ${DEFAULT-VALUE}).")
    public long seed;

    @Option(names = "--encoder-impl", defaultValue = "auto", paramLabel = "IMPL",
            description = "auto, fast or reference, for random encoders and weights files (default: ${DEFAULT-VALUE}).")
    public String implementation;

    /** A backbone without projection head taking {@code channels}-channel images. */
    public EncoderSpec randomSpec(int channels) {
        return EncoderSpec.of(architecture).withInputChannels(channels).withHead(HeadType.NONE).withSeed(seed);
    }
}
