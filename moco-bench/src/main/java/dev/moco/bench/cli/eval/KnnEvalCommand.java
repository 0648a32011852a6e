package dev.moco.bench.cli.eval;

import dev.moco.bench.cli.downstream.EncoderOptions;
import dev.moco.bench.cli.downstream.EncoderSource;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.downstream.KnnClassifier;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moco eval knn}: weighted kNN on L2-normalised frozen features, the whole training
 * split as the bank and the test split as queries ({@link KnnClassifier}). Last line
 * {@code knn top-1: <accuracy>}.
 */
@Command(name = "knn", mixinStandardHelpOptions = true, sortOptions = false,
        description = "k-nearest-neighbour classification (cosine similarity, exp(s/T) votes) on frozen backbone features.",
        footer = {"", "Last line: knn top-1: <accuracy>"})
public final class KnnEvalCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH|random",
            description = "A pretraining or supervised checkpoint (.zip or run directory), an encoder weights file, or 'random'.")
    String checkpoint;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "IDX files or an image folder with train and test splits.")
    Path data;

    @Option(names = "--k", defaultValue = "200", paramLabel = "K", description = "Neighbours per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--temperature", defaultValue = "0.1", paramLabel = "T", description = "Vote weight exp(s/T) (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--batch-size", defaultValue = "256", paramLabel = "N", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    EncoderOptions encoderOptions;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        PretrainedEncoder loaded = EncoderSource.load(checkpoint, encoderOptions.randomSpec(1), encoderOptions.implementation);
        out.println("encoder: " + loaded.description());
        try (loaded; FrozenFeatures features = FrozenFeatures.extract(loaded, data, batchSize, true, System.err)) {
            double top1 = new KnnClassifier(features.train(), k, temperature).accuracy(features.test());
            out.printf(Locale.ROOT, "bank: %d training features, queries: %d test features, k=%d, T=%s%n",
                    features.train().size(), features.test().size(), k, temperature);
            out.printf(Locale.ROOT, "knn top-1: %.4f%n", top1);
        }
        out.flush();
        return 0;
    }
}
