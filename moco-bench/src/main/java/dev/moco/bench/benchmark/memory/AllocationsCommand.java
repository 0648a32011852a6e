package dev.moco.bench.benchmark.memory;

import dev.moco.api.DictionaryProvider;
import dev.moco.bench.benchmark.throughput.BlankImages;
import dev.moco.core.Batch;
import dev.moco.core.MocoTrainer;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageShape;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.ConfiguredEncoder;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.run.internal.TrainingRun;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.core.wiring.MocoModule;
import dev.moco.core.wiring.TrainingData;
import dev.moco.encoders.EncoderSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
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

    @Override
    public Integer call() {
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
        ConfiguredEncoder configured = ConfiguredEncoder.from(config, channels);
        List<DictionaryProvider> providers = new ArrayList<>();
        ServiceLoader.load(DictionaryProvider.class).forEach(providers::add);
        int datasetSize = 50_000;
        TrainingData data = new TrainingData(new BlankImages(datasetSize, new ImageShape(channels, imageSize, imageSize)),
                Normalize.IDENTITY);
        long[] shape = {batch, channels, imageSize, imageSize};
        INDArray queryView = Nd4j.randn(42, shape);
        INDArray keyView = Nd4j.randn(43, shape);
        SplittableRandom random = new SplittableRandom(1);
        long stepsPerEpoch = datasetSize / batch;
        try (TrainingRun run = ConfiguredEncoder.inject(new MocoModule(config, configured.create(),
                configured.description(), data, providers))) {
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
            NativeArrays.Growth g = NativeArrays.growthSince(before);
            System.out.printf(Locale.ROOT, "%s %dx%dx%d N=%d K=%d G=%d, %d steps after %d warm-up (%.1f s):%n", encoder,
                    channels, imageSize, imageSize, batch, queueSize, shuffleGroups, steps, warmup, seconds);
            System.out.printf(Locale.ROOT, "ND4J buffers created: %d (%.1f per step): %d in a workspace, %d closed, %d owning"
                    + " memory that waits for the collector%n", g.buffers(), g.buffers() / (double) steps,
                    g.workspaceBuffers(), g.closedBuffers(), g.waitingBuffers());
            System.out.printf(Locale.ROOT, "bytes waiting for the collector: %d (%.1f MiB per step)%n", g.waitingBytes(),
                    g.waitingBytes() / (double) steps / (1 << 20));
            System.out.printf(Locale.ROOT, "javacpp: totalBytes %+d, totalCount %+d; physicalBytes (RSS) %+.1f MiB;"
                    + " garbage collections in the window: %d%n", g.javacppBytes(), g.javacppCount(),
                    g.physicalBytes() / (double) (1 << 20), g.collections());
        }
        return 0;
    }
}
