package dev.moco.bench.benchmark.jmh;

import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.SharedNegatives;
import dev.moco.api.kit.FeatureNormalization;
import dev.moco.api.kit.FixedKeys;
import dev.moco.core.Batch;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.wiring.ConfiguredDictionaryContext;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.fast.FastEncoder;
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
 * JMH microbenchmarks of the dictionaries' own operations at K up to 65,536, N = 256 queries
 * of C = 128 dimensions (ResNet-20's MLP head): the queue's enqueue and the logits against it
 * (InfoNCE forward and query gradient, [N, C]·[C, K]), and the memory bank's sampling of K
 * negatives and its momentum update of the batch's rows. Run by {@code ./moco bench dictionary}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DictionaryBenchmarks {

    static final int N = 256;
    static final int C = 128;
    /** Memory-bank rows: enough for K = 65,536 negatives plus a batch (the bank draws among the others). */
    static final long BANK_ROWS = 131_072;

    /**
     * The dictionary {@code name} with K = {@code k}, made as a run makes it: by name through its
     * provider, over a training set of {@link #BANK_ROWS} images, N = {@value #N}, C = {@value #C}.
     */
    static Dictionary byName(String name, int k, Encoder encoder) {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        String negatives = registry.provider(name).negativesSetting()
                .orElseThrow(() -> new IllegalArgumentException(name + " has no K to benchmark"));
        MocoConfig config = MocoConfig.builder(registry.settings()).preset("moco-v2")
                .set(MocoConfig.DICTIONARY, name).set(MocoConfig.BATCH_SIZE, Integer.toString(N))
                .set(MocoConfig.FEATURE_DIM, Integer.toString(C)).set(MocoConfig.SEED, "0")
                .set(negatives, Integer.toString(k)).build();
        return registry.create(name, new ConfiguredDictionaryContext(config, encoder, BANK_ROWS));
    }

    /** Random unit queries and keys of one step. */
    @State(Scope.Benchmark)
    public static class Step {
        INDArray queries;
        INDArray keys;
        long step;

        @Setup(Level.Trial)
        public void setUp() {
            queries = FeatureNormalization.normalize(Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(1), new long[] {N, C})
                    .castTo(DataType.FLOAT));
            keys = FeatureNormalization.normalize(Nd4j.randn(Nd4j.getRandomFactory().getNewRandomInstance(2), new long[] {N, C})
                    .castTo(DataType.FLOAT));
        }

        Batch next(long rows) {
            long[] indices = new SplittableRandom(step).longs(N, 0, rows).toArray();
            return new Batch(queries, keys, indices, step++);
        }
    }

    /** A queue of K keys. */
    @State(Scope.Benchmark)
    public static class Queue {
        @Param({"4096", "16384", "65536"})
        public int k;

        Dictionary queue;
        Encoder encoder;
        SharedNegatives againstQueue;
        final InfoNceLoss loss = new InfoNceLoss(0.2);

        @Setup(Level.Trial)
        public void setUp(Step step) {
            encoder = FastEncoder.create(EncoderSpec.of("resnet20").withInputChannels(1).withHead(HeadType.MLP).withSeed(0));
            queue = byName("queue", k, encoder);
            againstQueue = new FixedKeys(step.keys, queue.state().get("queue"));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            queue.close();
            encoder.close();
        }
    }

    /** A memory bank of {@link #BANK_ROWS} rows drawing K negatives. */
    @State(Scope.Benchmark)
    public static class Bank {
        @Param({"4096", "16384", "65536"})
        public int k;

        Dictionary bank;
        Encoder encoder;
        SharedNegatives contrast;

        @Setup(Level.Trial)
        public void setUp(Step step) {
            encoder = FastEncoder.create(EncoderSpec.of("resnet20").withInputChannels(1).withHead(HeadType.MLP).withSeed(0));
            bank = byName("memory-bank", k, encoder);    // random start, m = 0.5: the provider's defaults
            contrast = (SharedNegatives) bank.contrast(step.next(BANK_ROWS), step.queries);   // a bank contrasts with shared negatives
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            bank.close();
            encoder.close();
        }
    }

    /** Writes the N keys of a step over the oldest rows of the queue. */
    @Benchmark
    public Object queueEnqueue(Queue q, Step step) {
        q.queue.update(step.next(BANK_ROWS), step.queries, new FixedKeys(step.keys, step.keys));
        return q.queue;
    }

    /** InfoNCE against the queue: logits [q·k+ | q·queueᵀ]/T, softmax, loss and the query gradient. */
    @Benchmark
    public double queueLogitsAndGradient(Queue q, Step step) {
        return q.loss.compute(step.queries, q.againstQueue).loss();
    }

    /** Draws K negatives and gathers them with the batch's positives, [K, C] and [N, C]. */
    @Benchmark
    public Object memoryBankSample(Bank b, Step step) {
        return ((SharedNegatives) b.bank.contrast(step.next(BANK_ROWS), step.queries)).negatives();
    }

    /** The momentum update of the batch's N bank rows, v ← normalize(m·v + (1 − m)·q). */
    @Benchmark
    public Object memoryBankUpdate(Bank b, Step step) {
        b.bank.update(step.next(BANK_ROWS), step.queries, b.contrast);
        return b.bank;
    }
}
