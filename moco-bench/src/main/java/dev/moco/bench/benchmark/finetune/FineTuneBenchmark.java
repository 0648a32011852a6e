package dev.moco.bench.benchmark.finetune;

import dev.moco.bench.benchmark.throughput.PhaseTimes;
import dev.moco.bench.benchmark.throughput.ThroughputBenchmark;
import dev.moco.bench.cli.data.CanvasSource;
import dev.moco.bench.cli.transfer.TransferOptions;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.transfer.DetectionTask;
import dev.moco.downstream.transfer.FineTuneSettings;
import dev.moco.downstream.transfer.FineTuning;
import dev.moco.downstream.transfer.InstanceSegmentationTask;
import dev.moco.downstream.transfer.SegmentationTask;
import dev.moco.downstream.transfer.TransferTask;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The dense-transfer fine-tuning step against the MoCo step of the same encoder and batch, in
 * one JVM: first {@link ThroughputBenchmark} (the MoCo training step, as {@code moco bench
 * throughput} measures it), then {@link FineTuning#step} of the segmentation, detection or
 * instance segmentation task (backbone forward to the stage maps, the head, the loss, backward through head and
 * backbone, SGD on both) on one batch of canvases generated from Fashion-MNIST, with the
 * transfer commands' head width, momentum and weight decay, from a random backbone. Each
 * figure is the median over the measured steps after the warm-up.
 *
 * <pre>{@code
 * FineTuneBenchmark.Result r = FineTuneBenchmark.run(options, new PrintWriter(System.out, true));
 * double ratio = r.tasks().get(0).imagesPerSecond() / r.mocoImagesPerSecond();
 * }</pre>
 */
public final class FineTuneBenchmark {

    /** The tasks it measures, as the transfer commands are named. */
    public static final List<String> TASKS = List.of("segment", "detect", "instances");

    private FineTuneBenchmark() {
    }

    /**
     * What to run.
     *
     * @param encoder the architecture of both steps
     * @param batch images per step of both
     * @param imageSize canvas side and MoCo image side
     * @param mocoChannels channels of the MoCo step's images (the canvases are grey)
     * @param headImplementation {@code auto}, {@code fast} or {@code reference}
     * @param data Fashion-MNIST IDX files or a canvas set of at least {@code batch} training canvases
     */
    public record Options(String encoder, int batch, int imageSize, int mocoChannels, int queueSize, int shuffleGroups,
            int steps, int warmup, String headImplementation, Path data, List<String> tasks, long seed) {
        public Options {
            if (batch < 2 || steps < 1 || warmup < 0) {
                throw new IllegalArgumentException("need batch >= 2, steps >= 1 and warmup >= 0; got batch " + batch
                        + ", steps " + steps + ", warmup " + warmup);
            }
            tasks = List.copyOf(tasks);
            for (String t : tasks) {
                if (!TASKS.contains(t)) {
                    throw new IllegalArgumentException("task '" + t + "' is none of " + String.join(", ", TASKS));
                }
            }
        }
    }

    /** One task's fine-tuning step: its median, the images per second, and its last loss. */
    public record TaskResult(String task, String head, double medianStepMillis, double imagesPerSecond, double lastLoss) {
    }

    /**
     * @param moco the MoCo step's measurement, as {@code moco bench throughput} reports it
     * @param tasks the fine-tuning steps, in the order asked
     */
    public record Result(Options options, ThroughputBenchmark.Result moco, List<TaskResult> tasks) {
        public double mocoImagesPerSecond() {
            return moco.imagesPerSecond();
        }
    }

    public static Result run(Options o, PrintWriter log) throws IOException {
        ThroughputBenchmark.Result moco = ThroughputBenchmark.run(new ThroughputBenchmark.Options(o.encoder(), "auto", "queue",
                o.batch(), o.queueSize(), o.shuffleGroups(), o.steps(), o.warmup(), o.mocoChannels(), o.imageSize(), 0.2, 0.999,
                o.seed()), log);
        List<Canvas> batch = CanvasSource.open(o.data(), CanvasSpec.of(o.imageSize(), o.batch(), 1, o.seed())).train();
        if (batch.size() < o.batch() || batch.get(0).size() != o.imageSize()) {
            throw new IllegalArgumentException(o.data() + " holds " + batch.size() + " training canvases of "
                    + batch.get(0).size() + " px; the benchmark needs " + o.batch() + " of " + o.imageSize());
        }
        batch = batch.subList(0, o.batch());
        List<TaskResult> results = new ArrayList<>();
        for (String task : o.tasks()) {
            TransferTask transferTask = switch (task) {
                case "segment" -> new SegmentationTask();
                case "detect" -> new DetectionTask();
                default -> new InstanceSegmentationTask();
            };
            results.add(fineTune(o, transferTask, task, batch, log));
        }
        return new Result(o, moco, results);
    }

    private static TaskResult fineTune(Options o, TransferTask task, String name, List<Canvas> batch, PrintWriter log) {
        EncoderSpec spec = EncoderSpec.of(o.encoder()).withInputChannels(1).withHead(HeadType.NONE).withSeed(o.seed());
        FineTuneSettings settings = new FineTuneSettings(1, o.batch(), 0.001, TransferOptions.DEFAULT_MOMENTUM,
                TransferOptions.DEFAULT_WEIGHT_DECAY, TransferOptions.DEFAULT_HEAD_WIDTH, o.seed());
        try (PretrainedEncoder encoder = PretrainedEncoder.random(spec, "auto");
             FineTuning tuning = new FineTuning(encoder.featureMapEncoder(), task, settings, Normalize.FASHION_MNIST,
                     EncoderImplementation.chooseForHead(o.headImplementation()))) {
            String head = tuning.head().getClass().getSimpleName();
            List<Long> nanos = new ArrayList<>();
            double loss = Double.NaN;
            for (int step = 0; step < o.warmup() + o.steps(); step++) {
                long t0 = System.nanoTime();
                loss = tuning.step(batch, step, 0);
                long t = System.nanoTime() - t0;
                if (step >= o.warmup()) {
                    nanos.add(t);
                }
                log.printf(Locale.ROOT, "%s %s step %d: %.1f ms, loss %.4f%n", name, step < o.warmup() ? "warm-up" : "measured",
                        step, t / 1e6, loss);
                log.flush();
            }
            double median = PhaseTimes.median(nanos) / 1e6;
            return new TaskResult(name, head, median, o.batch() / (median / 1e3), loss);
        }
    }
}
