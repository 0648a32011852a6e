package dev.moco.bench.cli.pretrain;

import dev.moco.bench.cli.ProgressOption;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.FashionMnist;
import dev.moco.core.data.IdxDataset;
import dev.moco.core.wiring.DictionaryRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moco quickstart}: MoCo v2 on the Fashion-MNIST test split embedded in the jar
 * (10,000 images; 8,000 for training, 2,000 held out for the kNN monitor), sized to take a
 * few minutes on two CPU cores and no download. Prints the kNN accuracy of the untrained
 * and the trained encoder and writes a chart; the last line of standard output is
 * {@code knn-accuracy: 0.xxxx}.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = "Pretrains MoCo v2 on the embedded Fashion-MNIST test split in a few CPU minutes.",
        footer = {"", "Queue dictionary, ResNet-20 with an MLP head; 8,000 images for training, 2,000 held",
            "out for the kNN monitor (k=200, cosine similarity, votes weighted by exp(s/0.1)).",
            "Writes <out>/metrics.csv, training.png and checkpoints/, replacing an earlier",
            "quickstart's files there. The last line printed is",
            "'knn-accuracy: <value>'."},
        sortOptions = false)
public final class QuickstartCommand implements Callable<Integer> {

    /** The quickstart's settings over the moco-v2 preset: small enough for a few CPU minutes. */
    public static final List<String> SETTINGS = List.of(
            "dictionary=queue",
            "encoder=resnet20",
            "batch.size=64",
            "shuffle.groups=4",
            "queue.size=2048",
            "queue.momentum=0.99",
            "optimizer.lr=0.06",
            "epochs=8",
            "seed=42",
            "workers=1");

    /** Images held out of the 10,000 for the kNN monitor. */
    public static final int HELD_OUT = 2_000;

    @Option(names = "--out", defaultValue = "runs/quickstart", paramLabel = "DIR",
            description = "Run directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (default: 8).")
    Integer epochs;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides a configuration key (repeatable).")
    List<String> settings = new ArrayList<>();

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws Exception {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        MocoConfig.Builder builder = MocoConfig.builder(registry.settings()).preset("moco-v2").set(SETTINGS);
        if (epochs != null) {
            builder.set(MocoConfig.EPOCHS, Integer.toString(epochs));
        }
        MocoConfig config = builder.set(settings).build();
        IdxDataset data = FashionMnist.embeddedTest();
        long start = System.nanoTime();
        MonitoredPretraining.Result result = new MonitoredPretraining(new MonitoredPretraining.Options(config, data,
                "embedded Fashion-MNIST test split (10,000 images)", HELD_OUT, Integer.MAX_VALUE, 200, 0.1, out, true, null,
                0, 2, progress.shown(), "MoCo v2 quickstart: Fashion-MNIST, queue, ResNet-20")).run(System.out, System.err);
        System.out.printf(Locale.ROOT, "untrained knn-accuracy: %.4f, trained: %.4f (%.0f s)%n",
                result.untrainedKnn(), result.finalKnn(), (System.nanoTime() - start) / 1e9);
        System.out.printf(Locale.ROOT, "knn-accuracy: %.4f%n", result.finalKnn());
        return 0;
    }
}
