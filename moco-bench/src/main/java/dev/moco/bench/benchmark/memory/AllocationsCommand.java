package dev.moco.bench.benchmark.memory;

import dev.moco.api.kit.StepWorkspace;
import dev.moco.bench.benchmark.throughput.BlankImages;
import dev.moco.core.Batch;
import dev.moco.core.MocoTrainer;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageShape;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.fast.FastEncoder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moco bench allocations}: the native memory the steady-state pretraining step leaves
 * for the garbage collector. Runs the step of {@code bench throughput} (same configuration,
 * random images), then counts, over the measured steps, the ND4J buffers created and the bytes
 * of those whose memory waits for the collector ({@link NativeArrays}), with javacpp's counters
 * and the resident set beside them. Run it with a young generation large enough that no
 * collection happens in the window (the last column says how many did).
 *
 * <pre>
 * java -Xmn2g -jar moco-bench-all.jar bench allocations --steps 100
 * </pre>
 */
@Command(name = "allocations", mixinStandardHelpOptions = true,
        description = "Counts the native bytes the steady-state pretraining step leaves for the garbage collector.",
        sortOptions = false)
public final class AllocationsCommand implements Callable<Integer> {

    @Option(names = "--encoder", defaultValue = "resnet20", description = "Encoder (default: ${DEFAULT-VALUE}).")
    String encoder;
    @Option(names = "--channels", defaultValue = "1", description = "Image channels (default: ${DEFAULT-VALUE}).")
    int channels;
    @Option(names = "--image-size", defaultValue = "28", description = "Image side (default: ${DEFAULT-VALUE}).")
    int imageSize;
    @Option(names = "--batch", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--queue-size", defaultValue = "4096", description = "Queue size K (default: ${DEFAULT-VALUE}).")
    int queueSize;
    @Option(names = "--shuffle-groups", defaultValue = "8", description = "Shuffle-BN groups (default: ${DEFAULT-VALUE}).")
    int shuffleGroups;
    @Option(names = "--warmup", defaultValue = "5", description = "Steps before counting (default: ${DEFAULT-VALUE}).")
    int warmup;
    @Option(names = "--steps", defaultValue = "100", description = "Steps counted (default: ${DEFAULT-VALUE}).")
    int steps;

    /**
     * What the measured steps left for the collector.
     *
     * @param growth the counts over the measured steps
     * @param waitingKinds the kinds of buffers that wait, most frequent first
     * @param breakdown where the resident set goes, one line per part
     * @param seconds the measured steps' time
     */
    public record Measurement(NativeArrays.Growth growth, String waitingKinds, String breakdown, double seconds) {}

    @Override
    public Integer call() {
        Measurement m = measure(encoder, channels, imageSize, batch, queueSize, shuffleGroups, warmup, steps);
        NativeArrays.Growth g = m.growth();
        System.out.printf(Locale.ROOT, "%s %dx%dx%d N=%d K=%d G=%d, %d steps after %d warm-up (%.1f s):%n", encoder,
                channels, imageSize, imageSize, batch, queueSize, shuffleGroups, steps, warmup, m.seconds());
        System.out.printf(Locale.ROOT, "ND4J buffers created: %d (%.1f per step): %d in a workspace, %d closed, %d owning"
                + " memory that waits for the collector%n", g.buffers(), g.buffers() / (double) steps,
                g.workspaceBuffers(), g.closedBuffers(), g.waitingBuffers());
        System.out.printf(Locale.ROOT, "bytes waiting for the collector: %d (%.1f KiB per step)%n", g.waitingBytes(),
                g.waitingBytes() / (double) steps / 1024);
        System.out.println("  of kinds: " + m.waitingKinds());
        System.out.printf(Locale.ROOT, "javacpp: totalBytes %+d, totalCount %+d; physicalBytes (RSS) %+.1f MiB;"
                + " garbage collections in the window: %d%n", g.javacppBytes(), g.javacppCount(),
                g.physicalBytes() / (double) (1 << 20), g.collections());
        System.out.print(m.breakdown());
        return 0;
    }

    /** Runs {@code warmup} steps of the queue step on random images, then counts over {@code steps} more. */
    public static Measurement measure(String encoder, int channels, int imageSize, int batch, int queueSize,
            int shuffleGroups, int warmup, int steps) {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        MocoConfig config = MocoConfig.builder(registry.settings()).preset("moco-v2")
                .set(MocoConfig.DICTIONARY, "queue")
                .set(MocoConfig.ENCODER, encoder)
                .set(MocoConfig.HEAD, "mlp")
                .set(MocoConfig.HEAD_HIDDEN, Integer.toString(EncoderSpec.of(encoder).topology().representationDimension()))
                .set(MocoConfig.FEATURE_DIM, "128")
                .set(MocoConfig.BATCH_SIZE, Integer.toString(batch))
                .set(MocoConfig.SHUFFLE_GROUPS, Integer.toString(shuffleGroups))
                .set(MocoConfig.TEMPERATURE, "0.2")
                .set(MocoConfig.IMAGE_SIZE, Integer.toString(imageSize))
                .set("queue.size", Integer.toString(queueSize))
                .set("queue.momentum", "0.999")
                .build();
        int datasetSize = 50_000;
        long[] shape = {batch, channels, imageSize, imageSize};
        INDArray queryView = Nd4j.randn(42, shape);
        INDArray keyView = Nd4j.randn(43, shape);
        SplittableRandom random = new SplittableRandom(1);
        long stepsPerEpoch = datasetSize / batch;
        try (Pretraining run = Pretraining.configuration(config)
                .data(new BlankImages(datasetSize, new ImageShape(channels, imageSize, imageSize)), "blank images")
                .normalization(Normalize.IDENTITY).build()) {
            MocoTrainer trainer = run.trainer();
            NativeArrays.Snapshot before = null;
            long t0 = 0;
            for (int step = 0; step < warmup + steps; step++) {
                if (step == warmup) {
                    before = NativeArrays.snapshot();
                    t0 = System.nanoTime();
                }
                trainer.step(new Batch(queryView, keyView, random.longs(batch, 0, datasetSize).toArray(), step),
                        new TrainingPosition((int) (step / stepsPerEpoch), step % stepsPerEpoch, step, stepsPerEpoch));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Measurement(NativeArrays.growthSince(before), NativeArrays.waitingKinds(before, 12),
                    breakdown(run, queryView), seconds);
        }
    }

    /** Where the resident set goes: what the step holds by design, and the rest. */
    static String breakdown(Pretraining run, INDArray view) {
        StringBuilder b = new StringBuilder("peak RSS breakdown (MiB):\n");
        long p = run.queryEncoder().parameters().length() * (long) Float.BYTES;
        long buffers = run.queryEncoder().buffers().length() * (long) Float.BYTES;
        long queryArenas = run.queryEncoder() instanceof FastEncoder fast ? fast.arenaBytes() : 0;
        long otherArenas = FastEncoder.liveArenaBytes() - queryArenas;     // the key encoder's
        long queue = 0;
        if (run.config().getString(MocoConfig.DICTIONARY).equals("queue")) {
            queue = run.dictionary().negativesPerQuery() * run.queryEncoder().outputDimension() * (long) Float.BYTES;
        }
        long logits = (long) view.size(0) * run.dictionary().negativesPerQuery() * Float.BYTES;
        long workspace = Nd4j.getWorkspaceManager().checkIfWorkspaceExists(StepWorkspace.TRAINING_STEP)
                ? Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(StepWorkspace.TRAINING_STEP).getCurrentSize() : 0;
        long views = 2 * view.length() * Float.BYTES;
        MemoryMXBean jvm = ManagementFactory.getMemoryMXBean();
        long heap = jvm.getHeapMemoryUsage().getUsed();
        long nonHeap = jvm.getNonHeapMemoryUsage().getCommitted();
        long peak = ResidentMemory.peakBytes();
        long[] parts = {2 * (p + buffers), p, run.trainer().optimizer().state().length() * (long) Float.BYTES,
            queryArenas, otherArenas, queue, logits, workspace, views, heap, nonHeap};
        String[] names = {"weights and BN buffers (query + key encoder)", "gradients (query encoder)",
            "optimizer state (momentum)", "arenas of the query encoder (pass + gradients)",
            "arenas of other encoders (the key encoder)", "queue K x C", "logits block N x K",
            "step workspace (the step's temporaries)", "input views x_q, x_k", "JVM heap (used)",
            "JVM non-heap (metaspace, code; committed)"};
        long sum = 0;
        for (int i = 0; i < parts.length; i++) {
            b.append(String.format(Locale.ROOT, "  %-48s %8.1f%n", names[i], parts[i] / (double) (1 << 20)));
            sum += parts[i];
        }
        b.append(String.format(Locale.ROOT, "  %-48s %8.1f%n", "rest (oneDNN scratch and blocked weights, libraries,"
                + " malloc, stacks)", (peak - sum) / (double) (1 << 20)));
        b.append(String.format(Locale.ROOT, "  %-48s %8.1f%n", "peak RSS (VmHWM)", peak / (double) (1 << 20)));
        return b.toString();
    }
}
