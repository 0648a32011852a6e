package dev.moco.bench.experiment;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moco experiment <name>}: the paper's comparisons, one command each, on Fashion-MNIST.
 * Every run's row is appended to {@code results/<name>.csv} as soon as it finishes, rows
 * already there are skipped, and a chart {@code results/<name>-<budget>.png} and a Markdown
 * table {@code results/<name>-<budget>.md} are redrawn after each row.
 *
 * <pre>
 * ./moco experiment mechanisms --budget small
 * ./moco experiment mechanisms --budget full --dictionary fixed-negatives:fixed-negatives.count
 * ./moco experiment mechanisms --budget small --only k=4096 --only seed=0
 * ./moco experiment momentum --budget small
 * ./moco experiment shuffle-bn --budget small
 * ./moco experiment v2-ablation --budget small
 * ./moco experiment transfer --budget small --regime same,novel
 * ./moco experiment transfer --budget small --regime novel --only schedule=1x
 * </pre>
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Reproduce the paper's comparisons on Fashion-MNIST; results go to results/<name>.csv, a PNG and a Markdown table.",
        subcommands = {ExperimentCommand.Mechanisms.class, ExperimentCommand.Momentum.class, ExperimentCommand.ShuffleBn.class,
            ExperimentCommand.V2Ablation.class, ExperimentCommand.Transfer.class})
public final class ExperimentCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The options every experiment takes. */
    static final class Common {
        @Option(names = "--budget", defaultValue = "small", paramLabel = "tiny|small|full",
                description = "small (about 30 minutes on 2 cores), full (what the README reports), or tiny: a smoke test of"
                        + " the command on a few hundred images, whose numbers mean nothing. Default: ${DEFAULT-VALUE}")
        String budget;

        @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
                description = "Data set with a training and a test split (IDX files or an image folder). Default: ${DEFAULT-VALUE}")
        Path data;

        @Option(names = "--results", defaultValue = "results", paramLabel = "DIR",
                description = "Where <name>.csv, the chart, the table and runs/ (checkpoints of runs in progress) go. Default: ${DEFAULT-VALUE}")
        Path results;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "Overrides a configuration key for every run (not one the experiment varies); rows already written are kept.")
        List<String> settings = new ArrayList<>();

        @Option(names = "--only", paramLabel = "COLUMN=VALUE[,VALUE...]",
                description = "Run only the rows whose column has one of the values, e.g. --only k=4096 --only seed=0 (repeatable).")
        List<String> only = new ArrayList<>();

        @Option(names = "--no-progress", description = "No progress bar.")
        boolean noProgress;

        int run(Experiment experiment) throws Exception {
            ExperimentDriver.Options options = new ExperimentDriver.Options(Budget.named(budget), data, results, settings,
                    only, !noProgress);
            PrintStream out = System.out;
            ExperimentDriver.Summary s = new ExperimentDriver(options, out, System.err).run(experiment);
            out.println("table: " + s.table());
            out.println("chart: " + s.chart());
            out.printf("results: %s (%d rows of budget %s; %d run now, %d already there)%n", s.csv(), s.rowsOfBudget(),
                    options.budget().id(), s.ran(), s.skipped());
            out.flush();
            return 0;
        }
    }

    @Command(name = "mechanisms", mixinStandardHelpOptions = true,
            description = "Figure 3: linear and kNN accuracy against K for end-to-end, memory bank (random and encoder init) and MoCo.")
    static final class Mechanisms implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--dictionary", paramLabel = "NAME[:KEY]",
                description = "Also run this installed dictionary at every K; KEY is its setting that holds K (repeatable).")
        List<String> dictionaries = new ArrayList<>();

        @Option(names = "--max-end-to-end-batch", defaultValue = "1024", paramLabel = "N",
                description = "Largest end-to-end batch (its K) to run: end-to-end's activations grow with it. Default: ${DEFAULT-VALUE}")
        int maxEndToEndBatch;

        @Override
        public Integer call() throws Exception {
            return common.run(new MechanismsExperiment(dictionaries, maxEndToEndBatch));
        }
    }

    @Command(name = "momentum", mixinStandardHelpOptions = true,
            description = "The momentum ablation: MoCo at a fixed K with m = 0, 0.9, 0.99, 0.999, 0.9999.")
    static final class Momentum implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            return common.run(new MomentumExperiment());
        }
    }

    @Command(name = "shuffle-bn", mixinStandardHelpOptions = true,
            description = "With and without shuffle BN: pretext and kNN accuracy per epoch, queries and keys in G BN groups.")
    static final class ShuffleBn implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            return common.run(new ShuffleBnExperiment());
        }
    }

    @Command(name = "v2-ablation", mixinStandardHelpOptions = true,
            description = "MoCo v2's Table 1 in small: MLP head, aug+ and the cosine schedule switched on over v1.")
    static final class V2Ablation implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            return common.run(new V2AblationExperiment());
        }
    }

    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = "Random vs supervised vs MoCo initialisation: linear probe and kNN on frozen features, segmentation"
                    + " and detection fine-tuned on canvases, 1x and 2x schedules, several fine-tuning seeds.")
    static final class Transfer implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--regime", defaultValue = "same", paramLabel = "same|novel|same,novel",
                description = "same: pretraining and canvases use all ten classes; novel: pretraining sees only"
                        + " --pretrain-classes, the canvases only the other classes. Default: ${DEFAULT-VALUE}")
        String regime;

        @Option(names = "--pretrain-classes", split = ",", defaultValue = TransferExperiment.DEFAULT_PRETRAINING_CLASSES,
                paramLabel = "LABEL[,LABEL...]",
                description = "The novel regime's pretraining classes; the canvases take the others."
                        + " Default: ${DEFAULT-VALUE} (T-shirt/top, trouser, pullover, dress, coat)")
        List<Integer> pretrainClasses;

        @Override
        public Integer call() throws Exception {
            return common.run(TransferExperiment.of(regime, pretrainClasses));
        }
    }
}
