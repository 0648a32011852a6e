package dev.moco.bench.cli.eval;

import dev.moco.core.run.PretrainedEncoder;
import dev.moco.downstream.KnnClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

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

    @Option(names = "--k", defaultValue = "200", paramLabel = "K", description = "Neighbours per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--temperature", defaultValue = "0.1", paramLabel = "T", description = "Vote weight exp(s/T) (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Mixin
    FrozenEncoderOptions input;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        List<String> problems = new ArrayList<>();
        if (k < 1) {
            problems.add("--k must be at least 1, got " + k);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            problems.add("--temperature must be a positive number, got " + temperature);
        }
        input.check(problems);
        if (!problems.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join("\n", problems));
        }
        PretrainedEncoder loaded = input.load();
        out.println("encoder: " + loaded.description());
        try (loaded) {
            FrozenFeatures.Splits splits = input.open(loaded, System.err);
            int bank = splits.train().size();
            if (k > bank && spec.commandLine().getParseResult().hasMatchedOption("--k")) {
                throw new ParameterException(spec.commandLine(), "--k " + k + " is larger than the bank of " + bank
                        + " training images of " + input.data);
            }
            if (k > bank) {
                System.err.println("note: the default k=" + k + " is larger than the bank of " + bank
                        + " training images; using k=" + bank);
                k = bank;
            }
            try (FrozenFeatures features = splits.extract(loaded, input.batchSize, true, input.progress.bars())) {
                double top1 = new KnnClassifier(features.train(), k, temperature).accuracy(features.test());
                out.printf(Locale.ROOT, "bank: %d training features, queries: %d test features, k=%d, T=%s%n",
                        features.train().size(), features.test().size(), k, temperature);
                out.printf(Locale.ROOT, "knn top-1: %.4f%n", top1);
            }
        }
        out.flush();
        return 0;
    }
}
