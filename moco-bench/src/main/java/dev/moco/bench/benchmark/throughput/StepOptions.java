package dev.moco.bench.benchmark.throughput;

import picocli.CommandLine.Option;

/**
 * The options of the measured training step that {@code bench throughput} and
 * {@code bench distributed} share. Each one left out keeps the row's value
 * ({@link ThroughputBenchmark.Options#row}): {@code bench throughput}'s row is ResNet-20's whatever
 * {@code --encoder} says, {@code bench distributed}'s that of each of its {@code --encoders}.
 */
public final class StepOptions {

    @Option(names = "--impl",
            description = "encoder.impl: auto (fast oneDNN path where it runs), fast or reference (ND4J ops). Default: auto")
    String implementation;

    @Option(names = "--precision",
            description = "encoder.precision: fp32, or bf16 (the fast path's convolutions in bf16). Default: fp32")
    String precision;

    @Option(names = "--dictionary",
            description = "Dictionary mechanism from the registry: queue, memory-bank or end-to-end. Default: queue")
    String dictionary;

    @Option(names = "--batch", description = "Images per step N. Default: the row's (ResNet-20: 256)")
    Integer batch;

    @Option(names = "--queue-size", description = "Negatives K (queue size, memory-bank negatives). Default: the row's (ResNet-20: 4096)")
    Integer queueSize;

    @Option(names = "--shuffle-groups", description = "Shuffle-BN groups G. Default: the row's (ResNet-20: 8)")
    Integer shuffleGroups;

    @Option(names = "--steps", description = "Measured steps. Default: bench throughput 20, bench distributed the row's")
    Integer steps;

    @Option(names = "--warmup", description = "Unmeasured warm-up steps. Default: 3, bench distributed the row's")
    Integer warmup;

    @Option(names = "--channels", description = "Image channels. Default: the row's (ResNet-20: 1)")
    Integer channels;

    @Option(names = "--image-size", description = "Image height and width. Default: the row's (ResNet-20: 28)")
    Integer imageSize;

    @Option(names = "--seed", description = "Seed of data and initialisation. Default: 42")
    Long seed;

    /**
     * @param encoder the architecture to measure
     * @param row the values of every option not given
     * @return {@code row} for {@code encoder}, with the options given here
     */
    ThroughputBenchmark.Options applyTo(String encoder, ThroughputBenchmark.Options row) {
        return new ThroughputBenchmark.Options(encoder, or(implementation, row.implementation()), or(dictionary, row.dictionary()),
                or(batch, row.batch()), or(queueSize, row.queueSize()), or(shuffleGroups, row.shuffleGroups()),
                or(steps, row.steps()), or(warmup, row.warmup()), or(channels, row.channels()), or(imageSize, row.imageSize()),
                row.temperature(), row.momentum(), or(seed, row.seed()), or(precision, row.precision()));
    }

    private static <T> T or(T given, T rowValue) {
        return given != null ? given : rowValue;
    }
}
