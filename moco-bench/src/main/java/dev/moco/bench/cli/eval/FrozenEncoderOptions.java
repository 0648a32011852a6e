package dev.moco.bench.cli.eval;

import dev.moco.bench.cli.ChannelsOption;
import dev.moco.bench.cli.ProgressOption;
import dev.moco.bench.cli.downstream.EncoderOptions;
import dev.moco.bench.cli.downstream.EncoderSource;
import dev.moco.core.run.PretrainedEncoder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options both evaluations of frozen features take, written once: the encoder
 * ({@code --checkpoint}, or a random one of {@code --encoder}), the data with its train and test
 * splits, its channels, and the images per forward pass.
 */
final class FrozenEncoderOptions {

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH|random",
            description = "A pretraining or supervised checkpoint (.zip or run directory), an encoder weights file, a PyTorch .pth or safetensors file (docs/interop.md), or 'random'.")
    String checkpoint;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "IDX files or an image folder with train and test splits.")
    Path data;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    EncoderOptions encoder;

    @Mixin
    ChannelsOption channels;

    @Mixin
    ProgressOption progress;

    /** Adds what is wrong with these options, by the names the user typed, to {@code problems}. */
    void check(List<String> problems) {
        if (batchSize < 1) {
            problems.add("--batch-size must be at least 1, got " + batchSize);
        }
    }

    /** {@return the encoder to evaluate, frozen} */
    PretrainedEncoder load() {
        return EncoderSource.load(checkpoint, encoder.randomSpec(Math.max(1, channels.channels())), encoder.implementation);
    }

    /** {@return the train and test splits of {@code --data}, read for {@code loaded}} */
    FrozenFeatures.Splits open(PretrainedEncoder loaded, PrintStream log) {
        return FrozenFeatures.Splits.open(loaded, data, channels.channels(), log);
    }
}
