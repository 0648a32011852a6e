package dev.moco.core.data;

import dev.moco.api.kit.SplitMix64;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.ImageBuffer;
import dev.moco.core.data.augment.Normalize;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Augmentation throughput on 28x28 grayscale images in batches of 256: one thread running
 * each preset's pipeline directly, then the whole {@link TwoViewBatchLoader} (two views
 * per image, INDArray creation included) with 1 and 2 workers. Prints images per second.
 *
 * <pre>
 * mvn -o -q -B -f moco-core/pom.xml test -Dtest=AugmentationThroughputBenchmark \
 *     -Dtests.excluded=integration -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@Tag("benchmark")
class AugmentationThroughputBenchmark {

    private static final ImageShape SHAPE = new ImageShape(1, 28, 28);
    private static final int BATCH = 256;

    @Test
    void measure() {
        ImageDataset data = new SyntheticDataset(8_192, SHAPE, 10);
        for (AugmentationPreset preset : AugmentationPreset.values()) {
            AugmentationPipeline pipeline = preset.pipeline(SHAPE, Normalize.FASHION_MNIST);
            ImageBuffer buffer = new ImageBuffer();
            SplitMix64 random = new SplitMix64(0);
            float[] source = new float[SHAPE.length()];
            float[] batch = new float[BATCH * SHAPE.length()];
            runPipeline(data, pipeline, buffer, random, source, batch, 40); // warm-up
            int batches = 200;
            long start = System.nanoTime();
            runPipeline(data, pipeline, buffer, random, source, batch, batches);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "pipeline %-4s 1 thread: %,10.0f views/s (%d x %d views in %.2f s)%n",
                    preset, batches * (double) BATCH / seconds, batches, BATCH, seconds);
        }
        AugmentationPipeline v2 = AugmentationPreset.V2.pipeline(SHAPE, Normalize.FASHION_MNIST);
        for (int workers : new int[] {1, 2}) {
            try (TwoViewBatchLoader loader = TwoViewBatchLoader.builder(data, v2).batchSize(BATCH)
                    .seed(1).epochs(1000).workers(workers).build()) {
                for (int i = 0; i < 20; i++) {
                    loader.next();
                }
                int batches = 100;
                long start = System.nanoTime();
                for (int i = 0; i < batches; i++) {
                    loader.next();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT,
                        "loader v2 %d worker(s): %,10.0f images/s = %,10.0f views/s, %.1f ms per batch of %d%n",
                        workers, batches * (double) BATCH / seconds, 2 * batches * (double) BATCH / seconds,
                        1000 * seconds / batches, BATCH);
            }
        }
    }

    private static void runPipeline(ImageDataset data, AugmentationPipeline pipeline, ImageBuffer buffer,
            SplitMix64 random, float[] source, float[] batch, int batches) {
        int length = pipeline.outputShape().length();
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < BATCH; i++) {
                int index = (b * BATCH + i) % data.size();
                data.readImage(index, source, 0);
                random.reseed(SplitMix64.derive(0, b, index, 0));
                pipeline.apply(source, 0, random, buffer, batch, i * length);
            }
        }
    }
}
