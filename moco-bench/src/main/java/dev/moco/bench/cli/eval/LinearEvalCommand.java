package dev.moco.bench.cli.eval;

import dev.moco.core.run.PretrainedEncoder;
import dev.moco.downstream.LinearProbe;
import dev.moco.downstream.LinearProbeSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code moco eval linear}: the paper's linear classification protocol on frozen features
 * ({@link LinearProbe}, preset {@code linear-eval.properties}). Last line
 * {@code linear top-1: <accuracy>}.
 */
@Command(name = "linear", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Linear classification on frozen, globally pooled backbone features (BN in inference mode).",
        footer = {"", "Preset (the MoCo paper's protocol): epochs=100 batch-size=256 lr=30 momentum=0.9 weight-decay=0",
            "milestones=60,80 gamma=0.1 standardize=false seed=0; override with --set key=value.",
            "Last line: linear top-1: <accuracy>"})
public final class LinearEvalCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a linear-eval preset key (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Mixin
    FrozenEncoderOptions input;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        LinearProbeSettings settings = LinearProbeSettings.preset();
        try {
            for (String o : overrides) {
                int eq = o.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--set expects key=value, got '" + o + "'");
                }
                settings = settings.with(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
            }
            List<String> problems = new ArrayList<>();
            input.check(problems);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("\n", problems));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PretrainedEncoder loaded = input.load();
        out.println("encoder: " + loaded.description());
        try (loaded; FrozenFeatures features = input.open(loaded, System.err)
                .extract(loaded, input.batchSize, false, input.progress.bars())) {
            out.println("linear classifier: " + settings.asMap());
            long start = System.nanoTime();
            double top1 = new LinearProbe(settings).fit(features.train()).accuracy(features.test());
            out.printf(Locale.ROOT, "trained on %d features of dimension %d in %.1f s, tested on %d%n",
                    features.train().size(), features.train().features().size(1), (System.nanoTime() - start) / 1e9,
                    features.test().size());
            out.printf(Locale.ROOT, "linear top-1: %.4f%n", top1);
        }
        out.flush();
        return 0;
    }
}
