package dev.moco.bench.benchmark.throughput;

import com.google.inject.util.Modules;
import dev.moco.api.Collective;
import dev.moco.api.ContrastiveLoss;
import dev.moco.api.DictionaryProvider;
import dev.moco.core.Batch;
import dev.moco.core.MocoTrainer;
import dev.moco.core.StepResult;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageShape;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.run.ConfiguredEncoder;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.core.wiring.MocoModule;
import dev.moco.core.wiring.TrainingData;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.fast.FastEncoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Throughput of the full MoCo training step (He et al. 2020, Algorithm 1) on random images,
 * through the real {@link MocoTrainer}: q = normalize(f_q(x_q)); the dictionary's look-up
 * (queue: momentum update of f_k, keys from f_k with shuffle BN); InfoNCE against K negatives
 * (T = 0.2); backward; SGD with momentum 0.9 and weight decay 1e-4; the dictionary's update
 * (enqueue). Every phase is timed through thin decorators of the encoder, the dictionary and
 * the loss, so the table shows where a step's time goes. Given a {@link Collective}, it runs one
 * worker's share of a data-parallel step and times the collective calls as well.
 *
 * <pre>{@code
 * ThroughputBenchmark.Result r = ThroughputBenchmark.run(ThroughputBenchmark.Options.defaults(),
 *         new PrintWriter(System.out, true));
 * double imagesPerSecond = r.imagesPerSecond();
 * }</pre>
 */
public final class ThroughputBenchmark {

    /** The phase of the JVM's CPU time per step, all its threads. */
    public static final String PROCESS_CPU = "process CPU time";

    /** Images per step and dataset size used for memory-bank indices. */
    private static final int DATASET_SIZE = 60_000;

    private ThroughputBenchmark() {}

    /**
     * What to run.
     *
     * @param encoder an architecture name ({@code resnet20}, {@code resnet18}, {@code resnet50}, ...)
     * @param implementation {@code encoder.impl}: {@code auto}, {@code fast} or {@code reference}
     * @param dictionary a dictionary name from moco-core's registry (queue, memory-bank, end-to-end)
     * @param precision {@code encoder.precision}: {@code fp32} or {@code bf16}
     *
     * @serial exclude (serialised only between bench distributed's driver and its workers, never stored)
     */
    public record Options(String encoder, String implementation, String dictionary, int batch, int queueSize,
                          int shuffleGroups, int steps, int warmup, int channels, int imageSize, double temperature,
                          double momentum, long seed, String precision) implements Serializable {

        private static final long serialVersionUID = 1L;

        /**
         * The rows the step is reported for (docs/encoders.md, docs/memory.md,
         * docs/distributed.md), by encoder: ResNet-20 at 1×28×28 with N = 256, K = 4096, G = 8;
         * ResNet-18 at 3×64×64 with N = 128, K = 16384, G = 8; ResNet-50 at 3×224×224 with
         * N = 32 (the paper's batch per GPU), K = 16384, G = 4. The steps and warm-up are those
         * the documented runs use.
         */
        private static final Map<String, Options> ROWS = new TreeMap<>(Map.of(
                "resnet20", new Options("resnet20", "auto", "queue", 256, 4096, 8, 10, 3, 1, 28, 0.2, 0.999, 42L),
                "resnet18", new Options("resnet18", "auto", "queue", 128, 16384, 8, 5, 2, 3, 64, 0.2, 0.999, 42L),
                "resnet50", new Options("resnet50", "auto", "queue", 32, 16384, 4, 3, 1, 3, 224, 0.2, 0.999, 42L)));

        /** The options in fp32. */
        public Options(String encoder, String implementation, String dictionary, int batch, int queueSize, int shuffleGroups,
                       int steps, int warmup, int channels, int imageSize, double temperature, double momentum, long seed) {
            this(encoder, implementation, dictionary, batch, queueSize, shuffleGroups, steps, warmup, channels, imageSize,
                    temperature, momentum, seed, "fp32");
        }

        public Options {
            if (batch < 2 || steps < 1 || warmup < 0 || queueSize < 1) {
                throw new IllegalArgumentException("need batch >= 2, steps >= 1, warmup >= 0 and queue size >= 1; got batch "
                        + batch + ", steps " + steps + ", warmup " + warmup + ", queue size " + queueSize
                        + " (the configuration checks the rest, e.g. that shuffle groups divide the batch)");
            }
        }

        /** The reference setting: ResNet-20, MLP head 64-64-128, N = 256, K = 4096, G = 8, 1×28×28, 20 steps. */
        public static Options defaults() {
            return row("resnet20").withSteps(20, 3);
        }

        /**
         * @param encoder {@code resnet20}, {@code resnet18} or {@code resnet50}
         * @return that encoder's reported row
         * @throws IllegalArgumentException naming the rows if {@code encoder} has none
         */
        public static Options row(String encoder) {
            Options row = ROWS.get(encoder.trim().toLowerCase(Locale.ROOT));
            if (row == null) {
                throw new IllegalArgumentException("no benchmark row for the encoder '" + encoder + "': the rows are "
                        + String.join(", ", ROWS.keySet()));
            }
            return row;
        }

        /** {@return these options with {@code newSteps} measured steps after {@code newWarmup}} */
        public Options withSteps(int newSteps, int newWarmup) {
            return new Options(encoder, implementation, dictionary, batch, queueSize, shuffleGroups, newSteps, newWarmup, channels,
                    imageSize, temperature, momentum, seed, precision);
        }
    }

    /**
     * What was measured. Times are medians over the measured steps, in milliseconds.
     *
     * @param phaseMillis median time per phase (nested phases, e.g. the key encoder's forward
     *     inside the dictionary's look-up, are listed separately)
     * @param dictionaryShare the dictionary's own work (look-up and update without the encoder
     *     passes they run) as a fraction of the step (median own work / median step)
     * @param gflopPerStep convolution and logit FLOPs of one step, in GFLOP
     * @param loadAverage the machine's 1-minute load average at the end (other processes
     *     competing for the cores make the numbers slower; compare runs at similar load)
     * @param workers W, the workers the step was split over (1: one process)
     * @param collectiveBytes per step, the bytes all-reduced in each collective phase
     *     ({@link TimedCollective}), 0 for one worker; empty for {@link Collective#SINGLE_PROCESS}
     * @param collectiveCalls per step, the collective calls of each phase; empty for {@link Collective#SINGLE_PROCESS}
     *
     * @serial exclude (serialised only between bench distributed's workers and its driver, never stored)
     */
    public record Result(Options options, String encoderDescription, double medianStepMillis, double imagesPerSecond,
                         Map<String, Double> phaseMillis, double dictionaryShare, double gflopPerStep,
                         double gflopsPerSecond, long peakResidentBytes, double lastLoss, List<Double> stepMillis,
                         double loadAverage, int workers, Map<String, Long> collectiveBytes,
                         Map<String, Long> collectiveCalls) implements Serializable {

        private static final long serialVersionUID = 1L;

        /** The phase of a step spent outside the collective calls: the step's median minus the collective phases' medians. */
        public static final String COMPUTE = "compute";
    }

    /**
     * Builds the run as pretraining does (the library's {@link ConfiguredEncoder} and
     * {@link MocoModule}, with timing wrappers bound over the encoder, the dictionaries and the
     * loss), runs the warm-up and the measured steps, and returns the numbers.
     */
    public static Result run(Options o, PrintWriter log) {
        return run(o, log, Collective.SINGLE_PROCESS);
    }

    /**
     * One worker's share of the data-parallel step over {@code collective}'s W workers: the
     * global batch of N = {@code o.batch()} images is split over them, each running its N/W
     * rows of the same random views with {@code query.bn-groups} = W, and every collective call
     * is timed ({@link TimedCollective}). Every worker must call this with the same options. The
     * images per second are the global batch's.
     *
     * @param collective this worker's collective; {@link Collective#SINGLE_PROCESS} for the single-process step
     */
    public static Result run(Options o, PrintWriter log, Collective collective) {
        PhaseTimes times = new PhaseTimes();
        PhaseTimes bytes = new PhaseTimes();
        PhaseTimes calls = new PhaseTimes();
        int workers = collective.workers();
        MocoConfig config = config(o, workers);
        ConfiguredEncoder configured = ConfiguredEncoder.from(config, o.channels());
        if (configured.implementation() == EncoderImplementation.REFERENCE
                && !o.implementation().trim().equalsIgnoreCase("reference")) {
            log.println("fast encoder unavailable for " + o.encoder() + " here; running the reference path");
        }
        String description = configured.implementation() == EncoderImplementation.FAST
                ? o.encoder() + " fast (oneDNN " + FastEncoder.activationLayoutName() + ", " + configured.precision().id() + ")"
                : o.encoder() + " reference (ND4J ops)";
        TimedEncoder queryEncoder = new TimedEncoder(configured.create(), times, "query");
        List<DictionaryProvider> providers = new ArrayList<>();
        ServiceLoader.load(DictionaryProvider.class).forEach(p -> providers.add(new TimedDictionaryProvider(p, times)));
        TrainingData data = new TrainingData(new BlankImages(DATASET_SIZE, new ImageShape(o.channels(), o.imageSize(),
                o.imageSize())), Normalize.IDENTITY);
        TimedLoss loss = new TimedLoss(new InfoNceLoss(o.temperature()), times);
        Collective timedCollective = collective == Collective.SINGLE_PROCESS ? collective
                : new TimedCollective(collective, queryEncoder.parameters().length(), times, bytes, calls);
        MocoTrainer trainer = MocoModule.trainer(Modules.override(
                        new MocoModule(config, queryEncoder, configured.description(), data, providers))
                .with(binder -> {
                    binder.bind(ContrastiveLoss.class).toInstance(loss);
                    binder.bind(Collective.class).toInstance(timedCollective);
                }));
        long stepsPerEpoch = DATASET_SIZE / o.batch();

        SplittableRandom random = new SplittableRandom(o.seed());
        long[] viewShape = {o.batch(), o.channels(), o.imageSize(), o.imageSize()};
        // this worker's rows of the global batch's views (all of them in one process)
        INDArray queryView = collective.ownRows(gaussian(new SplittableRandom(o.seed()), viewShape)).dup();
        INDArray keyView = collective.ownRows(gaussian(new SplittableRandom(o.seed() + 1), viewShape)).dup();
        int ownRows = collective.share(MocoConfig.BATCH_SIZE, o.batch());
        int ownFrom = collective.rank() * ownRows;

        List<Double> stepMillis = new ArrayList<>();
        double lastLoss = Double.NaN;
        for (int step = 0; step < o.warmup() + o.steps(); step++) {
            if (step == o.warmup()) {
                times.reset();
                bytes.reset();
                calls.reset();
            }
            long[] indices = Arrays.copyOfRange(random.longs(o.batch(), 0, DATASET_SIZE).toArray(), ownFrom, ownFrom + ownRows);
            Batch batch = new Batch(queryView, keyView, indices, step);
            long c0 = processCpuNanos();
            long t0 = System.nanoTime();
            StepResult r = trainer.step(batch,
                    new TrainingPosition((int) (step / stepsPerEpoch), step % stepsPerEpoch, step, stepsPerEpoch));
            long nanos = System.nanoTime() - t0;
            times.add("step", nanos);
            times.add(PROCESS_CPU, processCpuNanos() - c0);
            times.endStep();
            bytes.endStep();
            calls.endStep();
            lastLoss = r.loss();
            if (step >= o.warmup()) {
                stepMillis.add(nanos / 1e6);
            }
            log.printf(Locale.ROOT, "%s step %d: %.1f ms, loss %.4f%n", step < o.warmup() ? "warm-up" : "measured",
                    step, nanos / 1e6, r.loss());
            log.flush();
        }

        Map<String, Double> medians = new LinkedHashMap<>();
        times.medians().forEach((k, v) -> medians.put(k, v / 1e6));
        double step = medians.get("step");
        Map<String, Long> bytesPerStep = counts(bytes);
        if (timedCollective != collective) {
            double communication = bytesPerStep.keySet().stream().mapToDouble(medians::get).sum();
            medians.put(Result.COMPUTE, step - communication);
        }
        double dictionaryOwn = medians.getOrDefault(TimedDictionary.OWN_WORK, 0.0);
        double gflop = stepFlops(o, configured.spec()) / workers / 1e9;     // this worker's share
        Result result = new Result(o, description, step, o.batch() / (step / 1e3), medians, dictionaryOwn / step,
                gflop, gflop / (step / 1e3), peakResidentBytes(), lastLoss, stepMillis, loadAverage(), workers,
                bytesPerStep, counts(calls));
        queryEncoder.close();
        return result;
    }

    /**
     * The configuration of the measured step: MoCo v2's preset (SGD lr 0.03, momentum 0.9,
     * weight decay 1e-4; query BN over the whole batch) with the benchmark's encoder, its MLP
     * head d–d–128, sizes, temperature and key-encoder momentum.
     */
    static MocoConfig config(Options o) {
        return config(o, 1);
    }

    /** As {@link #config(Options)}, for W workers: one query BN group per worker, the reference's one BN per GPU. */
    static MocoConfig config(Options o, int workers) {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        MocoConfig.Builder b = MocoConfig.builder(registry.settings()).preset("moco-v2")
                .set(MocoConfig.DICTIONARY, o.dictionary())
                .set(MocoConfig.ENCODER, o.encoder())
                .set(MocoConfig.ENCODER_IMPLEMENTATION, o.implementation())
                .set(MocoConfig.ENCODER_PRECISION, o.precision())
                .set(MocoConfig.HEAD, "mlp")
                .set(MocoConfig.HEAD_HIDDEN, Integer.toString(EncoderSpec.of(o.encoder()).topology().representationDimension()))
                .set(MocoConfig.FEATURE_DIM, "128")
                .set(MocoConfig.BATCH_SIZE, Integer.toString(o.batch()))
                .set(MocoConfig.SHUFFLE_GROUPS, Integer.toString(o.shuffleGroups()))
                .set(MocoConfig.TEMPERATURE, Double.toString(o.temperature()))
                .set(MocoConfig.IMAGE_SIZE, Integer.toString(o.imageSize()))
                .set(MocoConfig.SEED, Long.toString(o.seed()));
        if (workers > 1) {
            b.set(MocoConfig.QUERY_BN_GROUPS, Integer.toString(workers));
        }
        for (String key : List.of("queue.size", "memory-bank.negatives")) {
            if (registry.settings().containsKey(key)) {
                b.set(key, Integer.toString(o.queueSize()));
            }
        }
        if (registry.settings().containsKey("queue.momentum")) {
            b.set("queue.momentum", Double.toString(o.momentum()));
        }
        return b.build();
    }

    /** The spec of the benchmarked encoder: the architecture with the MoCo v2 MLP head d–d–128. */
    static EncoderSpec spec(Options o) {
        return ConfiguredEncoder.from(config(o), o.channels()).spec();
    }

    /**
     * FLOPs of one step: convolutions and head (a forward costs F, a backward 2F: data and
     * weights) for every encoder pass the mechanism runs — queue: f_q forward + backward and f_k
     * forward (4F); memory bank: f_q only (3F); end-to-end: f_q on both views with backward (6F)
     * — plus the logits and their query gradient, 2·2·N·C·(K+1).
     */
    static double stepFlops(Options o, EncoderSpec spec) {
        double f = spec.topology().forwardFlops(o.batch(), o.imageSize(), o.imageSize());
        double passes = switch (o.dictionary()) {
            case "memory-bank" -> 3;
            case "end-to-end" -> 6;
            default -> 4;
        };
        long negatives = "end-to-end".equals(o.dictionary()) ? o.batch() : o.queueSize() + 1L;
        return passes * f + 4.0 * o.batch() * spec.topology().outputDimension() * negatives;
    }

    /** The median per step of each phase of a counter (bytes or calls), which is the same every step. */
    private static Map<String, Long> counts(PhaseTimes counter) {
        Map<String, Long> out = new LinkedHashMap<>();
        counter.medians().forEach((phase, median) -> out.put(phase, Math.round(median)));
        return out;
    }

    /** CPU time used by this JVM so far (all threads), or 0 where the platform does not report it. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? Math.max(0, sun.getProcessCpuTime()) : 0;
    }

    /** The load average over the last minute (/proc/loadavg), or -1 where unavailable. */
    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** The process's peak resident set (VmHWM), or -1 where /proc is unavailable. */
    static long peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Standard normal values drawn from {@code random} (a pure function of its seed, unlike ND4J's random factory). */
    private static INDArray gaussian(SplittableRandom random, long[] shape) {
        long length = 1;
        for (long d : shape) {
            length *= d;
        }
        float[] values = new float[Math.toIntExact(length)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Nd4j.create(values, shape, 'c');
    }
}
