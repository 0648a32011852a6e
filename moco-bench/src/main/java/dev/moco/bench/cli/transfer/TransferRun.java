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
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What both transfer commands do: read the canvases and the encoder, check that they fit,
 * fine-tune with {@link FineTuning} behind a progress bar, and write {@code metrics.csv} and
 * {@code training.png} after every epoch. Returns the last epoch's result.
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
            if (encoder != loaded.encoder()) {
                encoder.close();        // a reference copy featureMapEncoder() made
            }
            loaded.close();
        }
    }

    static Outcome run(String taskName, TransferTask task, TransferOptions o, PrintWriter out) throws IOException {
        CanvasSet canvases = CanvasSource.open(o.data, CanvasSpec.of(o.canvasSize, o.trainCanvases, o.testCanvases, o.canvasSeed));
        PretrainedEncoder loaded = EncoderSource.load(o.init, o.encoder.randomSpec(1), o.encoder.implementation);
        if (loaded.spec().orElseThrow().inputChannels() != 1) {
            throw new IllegalArgumentException("the encoder of " + o.init + " takes " + loaded.spec().orElseThrow().inputChannels()
                    + "-channel images but the canvases are grey (1 channel)");
        }
        FeatureMapEncoder encoder = loaded.featureMapEncoder();
        Normalize normalize = loaded.normalization().orElse(Normalize.FASHION_MNIST);
        FineTuneSettings settings = new FineTuneSettings(o.epochs, o.batchSize, o.learningRate, o.momentum, o.weightDecay,
                o.headWidth, o.seed);
        CanvasSpec s = canvases.spec();
        out.println("encoder: " + loaded.description() + " (" + encoder.getClass().getSimpleName() + ", stages "
                + java.util.Arrays.toString(encoder.stageChannels()) + " at strides "
                + java.util.Arrays.toString(encoder.stageStrides()) + "); input " + normalize);
        out.println("canvases: " + canvases.train().size() + " train, " + canvases.test().size() + " test, "
                + s.size() + "x" + s.size() + ", seed " + s.seed() + " (" + o.data + ")");
        out.printf(Locale.ROOT, "budget (the same for every --init): %d epochs x %d canvases = %d images, batch %d,"
                + " SGD lr %s momentum %s weight decay %s, lr x0.1 at epochs %s, head width %d, whole backbone fine-tuned,"
                + " BN in training mode%n", o.epochs, canvases.train().size(), (long) o.epochs * canvases.train().size(),
                o.batchSize, o.learningRate, o.momentum, o.weightDecay, java.util.Arrays.toString(settings.milestones()),
                o.headWidth);
        FineTuning tuning = new FineTuning(encoder, task, settings, normalize);
        EpochLogger log = new EpochLogger(out, o, taskName + " transfer, init " + o.init);
        Outcome outcome = new Outcome(null, tuning, canvases, loaded, encoder);
        try {
            tuning.run(canvases, log);
        } catch (RuntimeException e) {
            outcome.close();
            throw e;
        }
        out.println("wrote " + o.out.resolve("metrics.csv") + " and " + o.out.resolve("training.png"));
        return new Outcome(log.last, tuning, canvases, loaded, encoder);
    }


    /** A progress bar per epoch; after each epoch a metrics.csv row, the chart and a console line. */
    private static final class EpochLogger implements FineTuning.Listener {
        private final PrintWriter out;
        private final TransferOptions options;
        private final String title;
        private StepProgress bar;
        private EpochTable table;
        private FineTuning.EpochResult last;

        EpochLogger(PrintWriter out, TransferOptions options, String title) {
            this.out = out;
            this.options = options;
            this.title = title;
        }

        @Override
        public void afterStep(int epoch, int step, int stepsPerEpoch, double loss, double imagesPerSecond) {
            if (bar == null) {
                bar = new StepProgress(String.format(Locale.ROOT, "epoch %d/%d", epoch, options.epochs), stepsPerEpoch, System.err);
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
                columns.addAll(List.of("images_per_second", "learning_rate"));
                table = new EpochTable(options.out, columns, new ArrayList<>(r.metrics().keySet()));
            }
            Map<String, Double> row = new LinkedHashMap<>();
            row.put(EpochTable.LOSS, r.meanLoss());
            row.putAll(r.metrics());
            row.put("images_per_second", r.imagesPerSecond());
            row.put("learning_rate", r.learningRate());
            table.add(r.epoch(), row);
            table.write(title);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d: loss %.4f", r.epoch(), r.meanLoss()));
            r.metrics().forEach((k, v) -> line.append(String.format(Locale.ROOT, ", %s %.4f", k, v)));
            line.append(String.format(Locale.ROOT, ", %.1f img/s (training step)", r.imagesPerSecond()));
            out.println(line);
            out.flush();
            last = r;
        }
    }
}
