package dev.moco.bench.cli.transfer;

import dev.moco.api.FeatureMapEncoder;
import dev.moco.bench.cli.data.CanvasSource;
import dev.moco.bench.cli.downstream.EncoderSource;
import dev.moco.bench.cli.downstream.EpochTable;
import dev.moco.bench.cli.downstream.StepProgress;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.transfer.FineTuneSettings;
import dev.moco.downstream.transfer.FineTuning;
import dev.moco.downstream.transfer.TransferTask;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.bench.cli.RunDirectory;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.run.TrainingPosition;
import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeMap;
import picocli.CommandLine;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What every transfer command does: check the options and the run directory, read the canvases
 * and the encoder, check that they fit, fine-tune with {@link FineTuning} behind a progress
 * bar, and write {@code metrics.csv}, {@code training.png} and a checkpoint of the whole
 * fine-tuning state ({@code checkpoints/latest.zip}) after every epoch, from which
 * {@code --resume} continues exactly. Returns the last epoch's result.
 */
final class TransferRun {

    private TransferRun() {
    }

    /**
     * The outcome: the final epoch, and the fine-tuned network for what the caller writes next;
     * closing it frees the encoder's native memory.
     */
    record Outcome(FineTuning.EpochResult last, FineTuning tuning, CanvasSet canvases, PretrainedEncoder loaded,
            FeatureMapEncoder encoder) implements AutoCloseable {
        @Override
        public void close() {
            tuning.close();
            if (encoder != loaded.encoder()) {
                encoder.close();        // a reference copy featureMapEncoder() made
            }
            loaded.close();
        }
    }

    /** Checks the options and the run directory before any work; the check of another output can follow. */
    static RunDirectory.Start check(TransferOptions o, CommandLine cli) {
        o.validate(cli);
        return o.run.check();
    }

    static Outcome run(String taskName, TransferTask task, TransferOptions o, RunDirectory.Start start, CommandLine cli,
            PrintWriter out) throws IOException {
        CanvasSet canvases = CanvasSource.open(o.data, CanvasSpec.of(o.canvasSize, o.trainCanvases, o.testCanvases, o.canvasSeed),
                TransferOptions.CANVAS_CLASSES, o.garmentClasses());
        if (o.batchSize > canvases.train().size() && !canvases.train().isEmpty()) {
            throw new CommandLine.ParameterException(cli, o.batchSizeProblem(canvases.train().size()) + " of " + o.data);
        }
        PretrainedEncoder loaded = EncoderSource.load(o.init, o.encoder.randomSpec(1), o.encoder.implementation);
        if (loaded.spec().orElseThrow().inputChannels() != 1) {
            throw new IllegalArgumentException("the encoder of " + o.init + " takes " + loaded.spec().orElseThrow().inputChannels()
                    + "-channel images but the canvases are grey (1 channel)");
        }
        FeatureMapEncoder encoder = loaded.featureMapEncoder();
        Normalize normalize = loaded.normalization().orElse(Normalize.FASHION_MNIST);
        int schedule = o.scheduleMultiple();
        FineTuneSettings settings = new FineTuneSettings(schedule * o.epochs, o.batchSize, o.learningRate, o.momentum,
                o.weightDecay, o.headWidth, o.seed, schedule, o.warmupSteps);
        CanvasSpec s = canvases.spec();
        out.println("encoder: " + loaded.description() + " (" + encoder.getClass().getSimpleName() + ", stages "
                + java.util.Arrays.toString(encoder.stageChannels()) + " at strides "
                + java.util.Arrays.toString(encoder.stageStrides()) + "); input " + normalize);
        out.println("canvases: " + canvases.train().size() + " train, " + canvases.test().size() + " test, "
                + s.size() + "x" + s.size() + ", seed " + s.seed() + (o.canvasClasses == null ? ""
                        : ", classes " + o.garmentClasses()) + " (" + o.data + ")");
        out.printf(Locale.ROOT, "budget (the same for every --init): %d epochs%s x %d canvases = %d images, batch %d,"
                + " SGD lr %s momentum %s weight decay %s, warm-up %d steps, lr x0.1 at epochs %s, head width %d,"
                + " whole backbone fine-tuned, BN in training mode%n", settings.epochs(),
                schedule == 1 ? "" : " (" + schedule + "x schedule)", canvases.train().size(),
                (long) settings.epochs() * canvases.train().size(), o.batchSize, o.learningRate, o.momentum, o.weightDecay,
                o.warmupSteps, java.util.Arrays.toString(settings.milestones()), o.headWidth);
        FineTuning tuning = new FineTuning(encoder, task, settings, normalize,
                EncoderImplementation.chooseForHead(o.headImplementation));
        out.println("head: " + tuning.head().getClass().getSimpleName() + " (" + tuning.head().topology() + ")");
        Map<String, String> identity = identity(taskName, o, canvases);
        int done = 0;
        if (start.resumeFrom() != null) {
            Checkpoint saved = start.resumeFrom().checkpoint();
            RunDirectory.requireSameRun(saved, IDENTITY, identity, start.resumeFrom().file());
            tuning.restore(saved.components());
            done = saved.position().completedEpochs();
            out.printf(Locale.ROOT, "resuming %s after epoch %d of %d%n", start.resumeFrom().file(), done, settings.epochs());
        }
        start.begin(System.err);
        Path dir = start.dir();
        int steps = tuning.stepsPerEpoch(canvases.train().size());
        String title = taskName + " transfer, init " + o.init;
        EpochLogger log = new EpochLogger(out, o.progress.bars(), settings.epochs(), steps, dir, title, done, epoch -> {
            Checkpoint.Builder checkpoint = Checkpoint.builder(new TrainingPosition(epoch, 0, (long) epoch * steps, steps))
                    .properties(IDENTITY, identity);
            new TreeMap<>(tuning.state()).forEach(checkpoint::tensors);
            start.checkpoints().saveEpoch(epoch, checkpoint.build());
        });
        try {
            tuning.run(canvases, log, done);
        } catch (RuntimeException e) {
            new Outcome(null, tuning, canvases, loaded, encoder).close();   // a failed run frees its encoder
            throw e;
        }
        if (log.last == null) {      // resumed after the last epoch: nothing to train, the scores again
            out.println("the run in " + dir + " is complete (" + done + " of " + settings.epochs()
                    + " epochs); its test scores:");
            log.last = new FineTuning.EpochResult(done, Double.NaN, Double.NaN, Double.NaN, tuning.evaluate(canvases.test()));
        } else {
            out.println("wrote " + dir.resolve(RunDirectory.METRICS) + ", " + dir.resolve(RunDirectory.CHART) + " and "
                    + start.checkpoints().latest());
        }
        return new Outcome(log.last, tuning, canvases, loaded, encoder);
    }

    /** Prefix of the checkpoint properties that say which run it belongs to. */
    private static final String IDENTITY = "transfer.";

    /** What makes a run this run: a resumed run must have every one of these as it was. */
    private static Map<String, String> identity(String taskName, TransferOptions o, CanvasSet canvases) {
        Map<String, String> id = new TreeMap<>();
        id.put("task", taskName);
        id.put("init", o.init.equals(EncoderSource.RANDOM) ? o.init : Path.of(o.init).toAbsolutePath().normalize().toString());
        id.put("data", o.data.toAbsolutePath().normalize().toString());
        // the classes and a longer schedule are named only where chosen, so runs from before they existed resume
        id.put("canvases", canvases.spec() + (o.canvasClasses == null ? "" : ", classes " + o.garmentClasses()));
        int schedule = o.scheduleMultiple();
        id.put("epochs", schedule == 1 ? Integer.toString(o.epochs)
                : schedule * o.epochs + " (" + schedule + "x of " + o.epochs + ")");
        id.put("batch-size", Integer.toString(o.batchSize));
        id.put("lr", Double.toString(o.learningRate));
        id.put("momentum", Double.toString(o.momentum));
        id.put("weight-decay", Double.toString(o.weightDecay));
        id.put("head-width", Integer.toString(o.headWidth));
        id.put("seed", Long.toString(o.seed));
        if (o.warmupSteps != 0) {       // named only where there is one, so runs from before it existed resume
            id.put("warmup-steps", Integer.toString(o.warmupSteps));
        }
        id.put("encoder", o.encoder.architecture + ", seed " + o.encoder.seed + ", " + o.encoder.implementation);
        return id;
    }


    /** A progress bar per epoch; after each epoch a metrics.csv row, the chart and a console line. */
    private static final class EpochLogger implements FineTuning.Listener {
        private final PrintWriter out;
        private final PrintStream bars;
        private final int epochs;
        private final int stepsPerEpoch;
        private final Path dir;
        private final String title;
        private final int resumedAfter;
        private final java.util.function.IntConsumer checkpoint;
        private StepProgress bar;
        private EpochTable table;
        private FineTuning.EpochResult last;
        /** When the epoch in progress began: this sitting's start, then the end of the last epoch. */
        private long epochStart = System.nanoTime();

        EpochLogger(PrintWriter out, PrintStream bars, int epochs, int stepsPerEpoch, Path dir, String title, int resumedAfter,
                java.util.function.IntConsumer checkpoint) {
            this.out = out;
            this.bars = bars;
            this.epochs = epochs;
            this.stepsPerEpoch = stepsPerEpoch;
            this.dir = dir;
            this.title = title;
            this.resumedAfter = resumedAfter;
            this.checkpoint = checkpoint;
        }

        @Override
        public void afterStep(int epoch, int step, int stepsPerEpoch, double loss, double imagesPerSecond) {
            if (bar == null) {
                bar = new StepProgress(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs), stepsPerEpoch, bars);
            }
            bar.stepTo(step, String.format(Locale.ROOT, "loss %.4f %.1f img/s", loss, imagesPerSecond));
            if (step == stepsPerEpoch) {
                bar.close();
                bar = null;
            }
        }

        @Override
        public void afterEpoch(FineTuning.EpochResult r) {
            if (table == null) {
                List<String> columns = new ArrayList<>(List.of(EpochTable.LOSS));
                columns.addAll(r.metrics().keySet());
                columns.addAll(List.of("images_per_second", EpochTable.SECONDS, "learning_rate", EpochTable.STEPS));
                table = new EpochTable(dir, columns, new ArrayList<>(r.metrics().keySet()));
                table.readBack(resumedAfter);
            }
            Map<String, Double> row = new LinkedHashMap<>();
            row.put(EpochTable.LOSS, r.meanLoss());
            row.putAll(r.metrics());
            row.put("images_per_second", r.imagesPerSecond());
            row.put(EpochTable.SECONDS, (System.nanoTime() - epochStart) / 1e9);
            row.put("learning_rate", r.learningRate());
            row.put(EpochTable.STEPS, (double) r.epoch() * stepsPerEpoch);
            table.add(r.epoch(), row);
            table.write(title);
            checkpoint.accept(r.epoch());
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d: loss %.4f", r.epoch(), r.meanLoss()));
            r.metrics().forEach((k, v) -> line.append(String.format(Locale.ROOT, ", %s %.4f", k, v)));
            line.append(String.format(Locale.ROOT, ", %.1f img/s (training step)", r.imagesPerSecond()));
            out.println(line);
            out.flush();
            last = r;
            epochStart = System.nanoTime();
        }
    }
}
