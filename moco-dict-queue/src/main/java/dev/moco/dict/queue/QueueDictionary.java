package dev.moco.dict.queue;

import dev.moco.api.Collective;
import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.SharedNegatives;
import dev.moco.api.TrainingBatch;
import dev.moco.api.kit.FeatureNormalization;
import dev.moco.api.kit.MomentumUpdate;
import dev.moco.api.kit.RandomUnitRows;
import dev.moco.api.kit.ShuffleBatchNorm;
import dev.moco.api.kit.StepRandom;
import dev.moco.api.kit.SplitMix64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * MoCo's dictionary (He et al. 2020, Sec. 3.2): a FIFO queue of the K most recent keys,
 * encoded by a momentum key encoder θk ← m·θk + (1−m)·θq with shuffle BN. K is
 * independent of the batch size: the queue is a ring buffer of K rows in which each step's
 * keys overwrite the oldest ones, wrapping around, so K need not be a multiple of N.
 *
 * <p>In a data-parallel run of W workers ({@link Collective}) there is one global queue, as
 * in the reference code: each worker's replica encodes the keys with shuffle BN across the
 * workers ({@link ShuffleBatchNorm#forwardAcrossWorkers}), takes its own rows as the positives
 * of its queries, and enqueues all N keys in global order, so every replica holds the queue
 * one process would.
 *
 * <pre>{@code
 * Dictionary queue = new QueueDictionary(queryEncoder, 65536, 0.999, 8, seed);
 * }</pre>
 */
public final class QueueDictionary implements Dictionary {
    private static final long QUEUE_INIT_SALT = 0x9e3e;
    private final Encoder queryEncoder;
    private final Encoder keyEncoder;
    private final double momentum;
    private final int shuffleGroups;
    private final boolean shuffle;
    private final long seed;
    private final Collective collective;
    private final INDArray queue;        // [K, C], row `pointer` is the oldest key
    private long pointer;

    public QueueDictionary(Encoder queryEncoder, int size, double momentum, int shuffleGroups, long seed) {
        this(queryEncoder, size, momentum, shuffleGroups, true, seed);
    }

    /**
     * @param shuffle permute the keys before their {@code shuffleGroups} BN groups; false keeps
     *     key i in the group of query i (the no-shuffle ablation, in which the model can cheat)
     */
    public QueueDictionary(Encoder queryEncoder, int size, double momentum, int shuffleGroups, boolean shuffle,
            long seed) {
        this(queryEncoder, size, momentum, shuffleGroups, shuffle, seed, Collective.SINGLE_PROCESS);
    }

    /**
     * One worker's replica of the global queue of a data-parallel run.
     *
     * @param shuffleGroups G, the key BN groups over the global batch; a multiple of W
     * @param shuffle permute the keys before their {@code shuffleGroups} BN groups; false keeps
     *     key i in the group of query i (the no-shuffle ablation, in which the model can cheat)
     * @param collective the run's workers
     * @throws IllegalArgumentException naming {@code shuffle.groups} and W if G is not a multiple of W
     */
    public QueueDictionary(Encoder queryEncoder, int size, double momentum, int shuffleGroups, boolean shuffle,
            long seed, Collective collective) {
        if (size < 1) {
            throw new IllegalArgumentException("queue.size (K) must be >= 1, got " + size);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("queue.momentum (m) must be in [0, 1], got " + momentum);
        }
        ShuffleBatchNorm.groupsPerWorker(shuffleGroups, collective);     // refuses a G the workers cannot share
        this.queryEncoder = queryEncoder;
        this.keyEncoder = queryEncoder.copy();
        this.momentum = momentum;
        this.shuffleGroups = shuffleGroups;
        this.shuffle = shuffle;
        this.seed = seed;
        this.collective = collective;
        int dimension = queryEncoder.outputDimension();
        // random unit vectors, as the reference code's normalised randn queue; a pure function of the seed,
        // from a stream apart from the encoder initialisation's
        this.queue = RandomUnitRows.of(size, dimension, SplitMix64.derive(seed, QUEUE_INIT_SALT),
                queryEncoder.parameters().dataType());
    }

    /** The momentum key encoder f_k. */
    public Encoder keyEncoder() {
        return keyEncoder;
    }

    /** Frees the key encoder's native resources. */
    @Override
    public void close() {
        keyEncoder.close();
    }

    /** The positives of this worker's queries, and the keys of all workers' images to enqueue. */
    private record QueueLookup(INDArray positives, INDArray negatives, INDArray allKeys) implements SharedNegatives {}

    @Override
    public SharedNegatives contrast(TrainingBatch batch, INDArray queries) {
        MomentumUpdate.apply(keyEncoder, queryEncoder, momentum);
        INDArray keys = shuffle      // [N, C], all workers' keys in global order
                ? ShuffleBatchNorm.forwardAcrossWorkers(keyEncoder, batch.keyView(), shuffleGroups,
                        StepRandom.of(seed, batch.step()), collective)
                : collective.gatherRows(keyEncoder.forward(batch.keyView(), Encoder.Mode.TRAINING_WITHOUT_GRADIENT,
                        ShuffleBatchNorm.groupsPerWorker(shuffleGroups, collective)).output());
        collective.meanInPlace(keyEncoder.buffers());     // BN statistics of all G groups, as one process's
        INDArray allKeys = FeatureNormalization.normalize(keys);
        return new QueueLookup(collective.ownRows(allKeys), queue, allKeys);
    }

    @Override
    public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {
        if (!(contrast instanceof QueueLookup lookup)) {
            throw new IllegalArgumentException("queue: update takes the contrast this queue's contrast() returned, got "
                    + contrast.getClass().getName());
        }
        enqueue(lookup.allKeys());
    }

    /** Writes {@code keys} over the oldest rows, wrapping around; with N > K the last K remain. */
    void enqueue(INDArray keys) {
        long k = queue.size(0);
        long n = keys.size(0);
        long first = Math.max(0, n - k);            // only the newest K keys can stay
        for (long row = first; row < n; ) {
            long slot = pointer % k;
            long run = Math.min(n - row, k - slot);
            queue.get(NDArrayIndex.interval(slot, slot + run), NDArrayIndex.all())
                    .assign(keys.get(NDArrayIndex.interval(row, row + run), NDArrayIndex.all()));
            pointer = (pointer + run) % k;
            row += run;
        }
    }

    /** The queue's keys from oldest to newest, [K, C] (a copy). */
    public INDArray keysOldestFirst() {
        long k = queue.size(0);
        int[] order = new int[(int) k];
        for (int i = 0; i < k; i++) {
            order[i] = (int) ((pointer + i) % k);
        }
        return Nd4j.pullRows(queue, 1, order);
    }

    @Override
    public long negativesPerQuery() {
        return queue.size(0);
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> state = new LinkedHashMap<>();
        state.put("queue", queue);
        state.put("queue.pointer", Nd4j.scalar(pointer));
        state.put("key-encoder.parameters", keyEncoder.parameters());
        state.put("key-encoder.buffers", keyEncoder.buffers());
        return state;
    }

    @Override
    public void restore(Map<String, INDArray> state) {
        copyInto("queue", state, queue);
        copyInto("key-encoder.parameters", state, keyEncoder.parameters());
        copyInto("key-encoder.buffers", state, keyEncoder.buffers());
        INDArray p = required("queue.pointer", state);
        long restored = p.getLong(0);
        if (restored < 0 || restored >= queue.size(0)) {
            throw new IllegalArgumentException("queue.pointer " + restored + " is outside the queue of K=" + queue.size(0));
        }
        pointer = restored;
    }

    private static INDArray required(String name, Map<String, INDArray> state) {
        INDArray value = state.get(name);
        if (value == null) {
            throw new IllegalArgumentException("queue dictionary state has no '" + name + "' (found " + state.keySet() + ")");
        }
        return value;
    }

    private static void copyInto(String name, Map<String, INDArray> state, INDArray target) {
        INDArray value = required(name, state);
        if (value.length() != target.length()) {
            throw new IllegalArgumentException("queue dictionary state '" + name + "' has shape "
                    + java.util.Arrays.toString(value.shape()) + ", this run needs "
                    + java.util.Arrays.toString(target.shape()) + " (different K, feature dimension or encoder?)");
        }
        if (target.length() > 0) {     // an encoder without buffers (a DL4J graph) has an empty view
            target.assign(value.reshape(target.shape()));
        }
    }

    @Override
    public long memoryBytes() {
        long element = queue.dataType().width();
        return queue.length() * element
                + (keyEncoder.parameters().length() + keyEncoder.buffers().length()) * element;
    }
}
