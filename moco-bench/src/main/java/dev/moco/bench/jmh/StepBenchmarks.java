package dev.moco.bench.jmh;

import dev.moco.bench.pretrain.TrainingSetup;
import dev.moco.core.Batch;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.encoders.EncoderImplementation;
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
 * 8 shuffle-BN groups; the run is built by {@link TrainingSetup} as pretraining builds it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class StepBenchmarks {

    static final int N = 256;
    static final long DATASET_SIZE = 60_000;

    @Param({"queue", "memory-bank", "end-to-end"})
    public String dictionary;

    TrainingSetup setup;
    INDArray queryView;
    INDArray keyView;
    long step;

    @Setup(Level.Trial)
    public void setUp() {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        MocoConfig config = MocoConfig.builder(registry.settings()).preset("moco-v2")
                .set(MocoConfig.DICTIONARY, dictionary).set("queue.size", "4096").set("memory-bank.negatives", "4096")
                .set(MocoConfig.BATCH_SIZE, Integer.toString(N)).build();
        setup = TrainingSetup.create(config, TrainingSetup.encoderSpec(config, 1), EncoderImplementation.FAST, DATASET_SIZE,
                registry, null);
        queryView = Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(1), new long[] {N, 1, 28, 28}).castTo(DataType.FLOAT);
        keyView = Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(2), new long[] {N, 1, 28, 28}).castTo(DataType.FLOAT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        setup.queryEncoder().close();
    }

    @Benchmark
    public double trainingStep() {
        long[] indices = new SplittableRandom(step).longs(N, 0, DATASET_SIZE).toArray();
        return setup.trainer().step(new Batch(queryView, keyView, indices, step++)).loss();
    }
}
