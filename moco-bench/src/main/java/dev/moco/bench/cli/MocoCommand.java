package dev.moco.bench.cli;

import dev.moco.bench.benchmark.BenchCommand;
import dev.moco.bench.cli.data.DataCommand;
import dev.moco.bench.cli.eval.EvalCommand;
import dev.moco.bench.experiment.ExperimentCommand;
import dev.moco.bench.cli.export.ExportFeaturesCommand;
import dev.moco.bench.cli.pretrain.PretrainCommand;
import dev.moco.bench.cli.pretrain.QuickstartCommand;
import dev.moco.bench.cli.pretrain.TrainingStoppedException;
import dev.moco.bench.cli.supervised.TrainSupervisedCommand;
import dev.moco.core.wiring.MemoryBounds;
import dev.moco.bench.cli.transfer.TransferCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code moco} command line (run through the {@code ./moco} launcher):
 *
 * <pre>
 * ./moco quickstart                       # MoCo v2 on the embedded Fashion-MNIST, a few minutes
 * ./moco pretrain --preset moco-v2 --data /usr/share/datasets/fashion-mnist --epochs 20 --out runs/v2
 * ./moco export-features --checkpoint runs/v2 --data ... --split test --out test.npy
 * ./moco bench throughput ...
 * ./moco experiment mechanisms --budget small
 * </pre>
 *
 * Exit status: 0 success, 1 error (the message says what and where), 2 bad command line,
 * 3 training stopped by a non-finite loss.
 */
@Command(name = "moco", mixinStandardHelpOptions = true, versionProvider = MocoVersion.class,
        description = "Momentum Contrast (MoCo v1/v2) on ND4J: self-supervised pretraining, evaluation, benchmarks.",
        subcommands = {QuickstartCommand.class, PretrainCommand.class, ExportFeaturesCommand.class, BenchCommand.class,
                EvalCommand.class, TrainSupervisedCommand.class, DataCommand.class, TransferCommand.class,
                ExperimentCommand.class,
                dev.moco.bench.cli.interop.ImportCommand.class, dev.moco.bench.cli.interop.ExportCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit status: 0 success, 1 error, 2 bad command line, 3 training stopped by a non-finite loss.",
                "JAVA_OPTS is passed to the JVM by ./moco; MOCO_DEBUG=1 prints stack traces."})
public final class MocoCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The configured command line: error handling and exit codes as documented above. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new MocoCommand());
        cli.setExecutionExceptionHandler(MocoCommand::handleFailure);
        return cli;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int status;
        try {
            status = commandLine().execute(args);
        } catch (OutOfMemoryError e) {       // picocli passes errors on: name the bound, not a stack trace
            System.err.println("moco: error: " + MemoryBounds.explain(e, MocoCommand::raiseThroughJavaOpts).orElseThrow());
            if (System.getenv("MOCO_DEBUG") != null) {
                e.printStackTrace();
            }
            status = 1;
        }
        System.exit(status);
    }

    /** How a user of ./moco gives the JVM a larger bound. */
    private static String raiseThroughJavaOpts(String option) {
        return "raise it through JAVA_OPTS, e.g.\n  JAVA_OPTS='" + MemoryBounds.example(option) + "' ./moco ...,";
    }

    private static int handleFailure(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof TrainingStoppedException) {
            err.println(e.getMessage());
            err.flush();
            return TrainingStoppedException.EXIT_CODE;
        }
        String where = cli.getCommandSpec().qualifiedName();
        java.util.Optional<String> outOfMemory = MemoryBounds.explain(e, MocoCommand::raiseThroughJavaOpts);   // e.g. on a loader thread, wrapped
        if (outOfMemory.isPresent()) {
            err.println(where + ": error: " + outOfMemory.get());
            err.flush();
            return 1;
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        boolean expected = e instanceof IllegalArgumentException || e instanceof java.io.IOException
                || e instanceof java.io.UncheckedIOException || e instanceof dev.moco.core.checkpoint.CheckpointException
                || e instanceof dev.moco.core.data.DataLoadingException;
        err.println(where + ": error: " + message);
        if (!expected || System.getenv("MOCO_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return 1;
    }
}
