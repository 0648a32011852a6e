package dev.moco.bench.benchmark.jmh;

import dev.moco.bench.benchmark.throughput.BlankImages;
import dev.moco.core.Batch;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageShape;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.wiring.DictionaryRegistry;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH benchmark of the full training step of the three mechanisms ({@code MocoTrainer.step}:
 * query forward and backward, the dictionary's look-up and update, InfoNCE, SGD) on random
 * 1×28×28 images: ResNet-20 fast path, MoCo v2 preset, N = 256, K = 4096 (end-to-end: 255),
 * 8 shuffle-BN groups; the run is assembled by {@link Pretraining} as pretraining
 * assembles it, over a placeholder training set of {@value #DATASET_SIZE} blank images (the
 * step reads only the random views below; the memory bank starts random, as configured).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class StepBenchmarks {

    static final int N = 256;
    static final int DATASET_SIZE = 60_000;

    @Param({"queue", "memory-bank", "end-to-end"})
    public String dictionary;

    Pretraining setup;
    INDArray queryView;
    INDArray keyView;
    long step;

    @Setup(Level.Trial)
    public void setUp() {
        Pretraining.Builder builder = Pretraining.preset("moco-v2").dictionary(dictionary).batchSize(N)
                .set(MocoConfig.ENCODER_IMPLEMENTATION, "fast")
                .data(new BlankImages(DATASET_SIZE, new ImageShape(1, 28, 28)), "blank images")
                .normalization(Normalize.IDENTITY);
        if (DictionaryRegistry.discover().provider(dictionary).negativesSetting().isPresent()) {
            builder.negatives(4096);    // end-to-end has no K of its own: the batch's other keys
        }
        setup = builder.build();
        queryView = Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(1), new long[] {N, 1, 28, 28}).castTo(DataType.FLOAT);
        keyView = Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(2), new long[] {N, 1, 28, 28}).castTo(DataType.FLOAT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        setup.close();
    }

    @Benchmark
    public double trainingStep() {
        long[] indices = new SplittableRandom(step).longs(N, 0, DATASET_SIZE).toArray();
        TrainingPosition at = new TrainingPosition((int) (step / setup.stepsPerEpoch()), step % setup.stepsPerEpoch(), step,
                setup.stepsPerEpoch());
        return setup.trainer().step(new Batch(queryView, keyView, indices, step++), at).loss();
    }
}
