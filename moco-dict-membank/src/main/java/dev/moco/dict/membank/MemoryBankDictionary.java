package dev.moco.dict.membank;

import dev.moco.api.Collective;
import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.SharedNegatives;
import dev.moco.api.TrainingBatch;
import dev.moco.api.kit.FeatureNormalization;
import dev.moco.api.kit.RandomUnitRows;
import dev.moco.api.kit.StepRandom;
import dev.moco.api.kit.StepWorkspace;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The memory-bank mechanism (Wu et al. 2018, "Unsupervised Feature Learning via
 * Non-Parametric Instance Discrimination"), as MoCo compares against it (He et al. 2020,
 * Fig. 2b): one stored C-dimensional unit vector per training sample; no key
 * encoder, no gradient into the bank.
 *
 * <p>Per step, for a batch of queries q_i of samples s_i:
 * <ul>
 *   <li><b>positive</b> of query i: bank row s_i, read in {@link #contrast} and copied, so it
 *       is the value from <em>before</em> this step's {@link #update};</li>
 *   <li><b>negatives</b>: K distinct bank rows drawn uniformly at random, once per step and
 *       shared by the whole batch (a [K, C] gather, so the logits are one matrix product).
 *       This deviates from Wu et al., who draw K noise samples per query: each query's
 *       loss has the same expectation, but the queries of one step share their negatives,
 *       so their losses are correlated. The batch's
 *       own rows are never drawn (rejection-free: the K rows are a uniform K-subset of the
 *       rows outside the batch), so no query meets its own positive, nor another query's
 *       positive, among the shared negatives. Hence K ≤ N − batch size.</li>
 *   <li><b>update</b>, after the optimizer step: v_{s_i} ← normalize(m·v_{s_i} + (1−m)·q_i);
 *       m weights the <em>old</em> bank value (Wu et al.'s reference code, default m = 0.5).
 *       Every other row is left untouched, bit for bit. A sample that occurs more than once
 *       in one batch is updated once per occurrence, in batch order, each update starting
 *       from the previous one's result: exactly as if its occurrences had come in
 *       consecutive steps.</li>
 * </ul>
 *
 * <p>The bank starts as random unit vectors (Gaussian rows, normalised; Wu et al.'s code
 * starts from small uniform values), or, with {@link Initialization#ENCODER}, as the
 * untrained encoder's features ({@link #fillFromEncoder}).
 *
 * <p>In a data-parallel run of W workers ({@link Collective}) every worker holds a replica of
 * the whole bank and is given its n = N/W of the batch: it gathers the batch's sample
 * indices, so the negatives exclude the whole global batch and are drawn as one process draws
 * them, and in {@link #update} it gathers all workers' queries and writes every row of the
 * global batch, in global order. The replicas then stay the single process's bank.
 *
 * <p>All randomness comes from (seed, step): the initial bank from the seed, step t's
 * negatives from (seed, t). The only state is the bank ({@link #state()}), so a run resumed
 * from a checkpoint draws the same negatives as one that never stopped.
 *
 * <p>Memory: N × C values ({@link #memoryBytes()}), growing with the data set, unlike a
 * queue's K × C: at C = 128 in float32, N = 60,000 needs 30.7 MB, N = 1.28 M (ImageNet)
 * 655 MB, N = 10⁹ 512 GB; a queue of K = 65,536 keys needs 33.6 MB at any N.
 *
 * <pre>{@code
 * MemoryBankDictionary bank = new MemoryBankDictionary(60_000, 128, 256, 4096, 0.5,
 *         MemoryBankDictionary.Initialization.RANDOM, seed, DataType.FLOAT);  // N, C, batch, K, m
 * Contrast c = bank.contrast(batch, queries);        // positives = bank[batch], 4096 negatives
 * ... loss, backward, optimizer step ...
 * bank.update(batch, queries, c);                     // bank[batch] ← normalize(½·old + ½·q)
 * }</pre>
 */
public final class MemoryBankDictionary implements Dictionary {

    /** The name of the bank in {@link #state()}. */
    public static final String BANK_STATE = "bank";

    /** Rows generated at a time when the bank is initialised (bounds the temporary heap use). */

    /** How the bank starts. */
    public enum Initialization {
        /** Independent uniformly random unit vectors (Gaussian rows, normalised), seeded. */
        RANDOM,
        /**
         * The untrained query encoder's normalised features of every sample: the caller must
         * call {@link #fillFromEncoder} once before the first step.
         */
        ENCODER
    }

    private final INDArray bank;
    private final int negatives;
    private final double momentum;
    private final long seed;
    private final Collective collective;
    private boolean awaitingEncoderFill;
    private PendingFill pendingFill;

    /** The encoder and training images a bank created with {@link Initialization#ENCODER} fills from. */
    private record PendingFill(Encoder encoder, java.util.function.Supplier<Iterator<INDArray>> images) {}

    /**
     * @param datasetSize N, the number of training samples (bank rows), at most 2³¹ − 1
     * @param featureDimension C
     * @param negatives K, in [1, N − batchSize]
     * @param momentum m in [0, 1], the weight of the old bank value in the update
     * @param initialization how the bank starts
     * @param seed the seed of the initial bank and of every step's negatives
     * @param dataType the bank's element type (that of the queries)
     * @param batchSize the largest batch; K must leave that many rows to exclude
     * @throws IllegalArgumentException naming the setting when a value is out of range
     */
    public MemoryBankDictionary(long datasetSize, int featureDimension, int batchSize, int negatives,
                                double momentum, Initialization initialization, long seed, DataType dataType) {
        this(datasetSize, featureDimension, batchSize, negatives, momentum, initialization, seed, dataType,
                Collective.SINGLE_PROCESS);
    }

    /**
     * One worker's replica of the bank of a data-parallel run.
     *
     * @param batchSize N, the global batch over all workers
     * @param collective the run's workers
     * @see #MemoryBankDictionary(long, int, int, int, double, Initialization, long, DataType)
     */
    public MemoryBankDictionary(long datasetSize, int featureDimension, int batchSize, int negatives,
                                double momentum, Initialization initialization, long seed, DataType dataType,
                                Collective collective) {
        if (datasetSize < 2 || datasetSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("memory bank: the data set size must be in [2, "
                    + Integer.MAX_VALUE + "] (one bank row per sample), got " + datasetSize);
        }
        if (featureDimension < 1) {
            throw new IllegalArgumentException("memory bank: feature dimension must be >= 1, got " + featureDimension);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("memory bank: batch size must be >= 1, got " + batchSize);
        }
        long maxNegatives = datasetSize - batchSize;
        if (negatives < 1 || negatives > maxNegatives) {
            throw new IllegalArgumentException(MemoryBankProvider.NEGATIVES + " = " + negatives
                    + " is out of range: it must be in [1, " + maxNegatives + "], since the negatives are"
                    + " distinct bank rows outside the batch (data set size " + datasetSize
                    + " − batch size " + batchSize + ")");
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(MemoryBankProvider.MOMENTUM + " = " + momentum
                    + " is out of range: it must be in [0, 1] (the weight of the old bank row)");
        }
        if (!dataType.isFPType()) {
            throw new IllegalArgumentException("memory bank: element type must be floating point, got " + dataType);
        }
        this.negatives = negatives;
        this.momentum = momentum;
        this.seed = seed;
        this.collective = collective;
        this.bank = RandomUnitRows.of(datasetSize, featureDimension, seed, dataType);
        this.awaitingEncoderFill = initialization == Initialization.ENCODER;
    }

    /**
     * Looks up the positives (bank rows of the batch's samples, copied before any update)
     * and K negatives shared by the batch, drawn from the bank outside the batch.
     *
     * @throws IllegalStateException if the bank waits for {@link #fillFromEncoder}
     */
    @Override
    public SharedNegatives contrast(TrainingBatch batch, INDArray queries) {
        if (awaitingEncoderFill) {
            if (pendingFill == null) {
                throw new IllegalStateException(MemoryBankProvider.INIT + " = encoder: call"
                        + " MemoryBankDictionary.fillFromEncoder(...) with the whole training set before the first step");
            }
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // once, before the first step's own work
                fillFromEncoder(pendingFill.encoder(), pendingFill.images().get());
            }
        }
        int[] rows = rowsOf(batch, queries);
        int[] globalRows = collective.workers() == 1 ? rows : rowsOf(collective.gatherIndices(batch.sampleIndices()));
        INDArray positives = Nd4j.pullRows(bank, 1, rows);
        INDArray negativeKeys = Nd4j.pullRows(bank, 1, sampleNegatives(globalRows, batch.step()));
        return new BankLookup(positives, negativeKeys, globalRows);
    }

    /** This worker's positives, the shared negatives, and the bank rows of the whole global batch. */
    private record BankLookup(INDArray positives, INDArray negatives, int[] globalRows) implements SharedNegatives {}

    /**
     * Writes the global batch's queries into their rows: v ← normalize(m·v + (1−m)·q), in batch
     * order for repeated samples. Rows outside the batch are not touched.
     */
    @Override
    public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {
        if (!(contrast instanceof BankLookup lookup)) {
            throw new IllegalArgumentException("memory bank: update takes the contrast this bank's contrast() returned, got "
                    + contrast.getClass().getName());
        }
        rowsOf(batch, queries);                       // checks this worker's queries against its batch
        int[] rows = lookup.globalRows();
        INDArray all = collective.workers() == 1 ? queries : collective.gatherRows(queries);
        INDArray q = all.dataType() == bank.dataType() ? all : all.castTo(bank.dataType());
        int[] occurrence = occurrenceNumbers(rows);
        int rounds = Arrays.stream(occurrence).max().orElse(-1) + 1;
        if (rounds == 1) {
            writeRows(rows, q);
            return;
        }
        // Repeated samples: round r updates the r-th occurrence of every sample, reading
        // what round r − 1 wrote. Within a round the rows are distinct.
        for (int round = 0; round < rounds; round++) {
            int count = 0;
            for (int o : occurrence) {
                count += o == round ? 1 : 0;
            }
            int[] roundRows = new int[count];
            int[] queryRows = new int[count];
            for (int i = 0, j = 0; i < rows.length; i++) {
                if (occurrence[i] == round) {
                    roundRows[j] = rows[i];
                    queryRows[j++] = i;
                }
            }
            writeRows(roundRows, Nd4j.pullRows(q, 1, queryRows));
        }
    }

    /** bank[rows] ← normalize(m·bank[rows] + (1−m)·q), for distinct rows. */
    private void writeRows(int[] rows, INDArray q) {
        INDArray mixed = Nd4j.pullRows(bank, 1, rows).muli(momentum).addi(q.mul(1 - momentum));
        INDArray updated = FeatureNormalization.normalize(mixed);
        Nd4j.getExecutioner().exec(DynamicCustomOp.builder("scatter_upd")
                .addInputs(bank, Nd4j.createFromArray(rows), updated)
                .addOutputs(bank)
                .build());
    }

    /**
     * Fills the bank with the normalised features of {@code encoder} over the whole training
     * set, in inference mode (the encoder's running statistics are neither used for the batch
     * nor changed), instead of random vectors. Call once, before training, with the untrained
     * query encoder, when the bank was created with {@link Initialization#ENCODER}
     * ({@code memory-bank.init = encoder}; {@link MemoryBankProvider} arranges it through
     * {@link #fillFromEncoderBeforeFirstStep}); it may also be called for a random bank.
     *
     * <pre>{@code
     * bank.fillFromEncoder(queryEncoder, dataset.batchesInIndexOrder(256));
     * }</pre>
     *
     * @param imageBatchesInIndexOrder image batches [n, channels, height, width] that together
     *     hold samples 0, 1, ..., N − 1 in this order
     * @throws IllegalArgumentException if the batches do not hold exactly N samples; the bank
     *     is then left partly filled and still awaits a fill
     */
    public void fillFromEncoder(Encoder encoder, Iterator<INDArray> imageBatchesInIndexOrder) {
        if (encoder.outputDimension() != bank.columns()) {
            throw new IllegalArgumentException("memory bank: encoder output dimension "
                    + encoder.outputDimension() + " differs from the bank's " + bank.columns());
        }
        awaitingEncoderFill = true;
        long next = 0;
        while (imageBatchesInIndexOrder.hasNext()) {
            INDArray images = imageBatchesInIndexOrder.next();
            long n = images.size(0);
            if (next + n > bank.rows()) {
                throw new IllegalArgumentException("memory bank: the fill batches hold more than the "
                        + bank.rows() + " samples of the data set");
            }
            try (MemoryWorkspace batchMemory = StepWorkspace.open(StepWorkspace.DOWNSTREAM_STEP)) {
                INDArray features = FeatureNormalization.normalize(encoder.forward(images, Encoder.Mode.INFERENCE).output());
                bank.get(NDArrayIndex.interval(next, next + n), NDArrayIndex.all()).assign(features);
            }
            next += n;
        }
        if (next != bank.rows()) {
            throw new IllegalArgumentException("memory bank: the fill batches hold " + next
                    + " samples, the data set " + bank.rows());
        }
        awaitingEncoderFill = false;
    }

    /**
     * Fills the bank from {@code encoder} over {@code images} at the first {@link #contrast},
     * unless a checkpoint is restored before it (a resumed run reads no images for it).
     */
    public void fillFromEncoderBeforeFirstStep(Encoder encoder, java.util.function.Supplier<Iterator<INDArray>> images) {
        this.pendingFill = new PendingFill(encoder, images);
    }

    /** True until {@link #fillFromEncoder} (or {@link #restore}) ran for an encoder-initialised bank. */
    public boolean awaitsEncoderFill() {
        return awaitingEncoderFill;
    }

    @Override
    public long negativesPerQuery() {
        return negatives;
    }

    /** The weight m of the old bank row in the update. */
    public double momentum() {
        return momentum;
    }

    /** The bank, [N, C], live. */
    public INDArray bank() {
        return bank;
    }

    /** {@code {"bank": the live [N, C] bank}}; negatives are a function of (seed, step). */
    @Override
    public Map<String, INDArray> state() {
        return Map.of(BANK_STATE, bank);
    }

    @Override
    public void restore(Map<String, INDArray> state) {
        for (String name : state.keySet()) {
            if (!BANK_STATE.equals(name)) {
                throw new IllegalArgumentException("memory bank: unknown state entry '" + name
                        + "' (expected only '" + BANK_STATE + "'; is this another mechanism's checkpoint?)");
            }
        }
        INDArray saved = state.get(BANK_STATE);
        if (saved == null) {
            throw new IllegalArgumentException("memory bank: state entry '" + BANK_STATE + "' is missing");
        }
        if (!Arrays.equals(saved.shape(), bank.shape())) {
            throw new IllegalArgumentException("memory bank: state entry '" + BANK_STATE + "' has shape "
                    + Arrays.toString(saved.shape()) + ", this configuration needs " + Arrays.toString(bank.shape())
                    + " (data set size × feature dimension)");
        }
        bank.assign(saved);
        awaitingEncoderFill = false;
    }

    /** The bank: N × C × bytes per element. Independent of K. */
    @Override
    public long memoryBytes() {
        return bank.length() * bank.dataType().width();
    }

    /**
     * What a bank for {@code datasetSize} samples would hold, without allocating it: N × C ×
     * bytes per element (e.g. 512 GB for 10⁹ samples at C = 128 in float32).
     */
    public static long memoryBytes(long datasetSize, int featureDimension, DataType dataType) {
        return Math.multiplyExact(Math.multiplyExact(datasetSize, (long) featureDimension), (long) dataType.width());
    }

    /**
     * K distinct rows drawn uniformly from the rows not in {@code batchRows}, from (seed, step)
     * only. Floyd's algorithm picks a uniform K-subset of [0, N − B) in K draws; the i-th
     * value is then mapped to the i-th row outside the batch.
     */
    int[] sampleNegatives(int[] batchRows, long step) {
        int[] excluded = Arrays.stream(batchRows).sorted().distinct().toArray();
        long available = bank.rows() - excluded.length;
        if (negatives > available) {
            throw new IllegalArgumentException("memory bank: " + negatives + " negatives requested but only "
                    + available + " bank rows lie outside this batch of " + excluded.length + " samples");
        }
        SplittableRandom random = StepRandom.of(seed, step);
        Set<Integer> chosen = new HashSet<>(2 * negatives);
        int[] drawn = new int[negatives];
        int count = 0;
        for (long j = available - negatives; j < available; j++) {
            int t = random.nextInt((int) j + 1);
            if (!chosen.add(t)) {
                t = (int) j;
                chosen.add(t);
            }
            drawn[count++] = t;
        }
        for (int i = 0; i < drawn.length; i++) {
            drawn[i] = skipExcluded(drawn[i], excluded);
        }
        return drawn;
    }

    /** The {@code rank}-th (from 0) integer ≥ 0 not in the sorted set {@code excluded}. */
    private static int skipExcluded(int rank, int[] excluded) {
        int value = rank;
        for (int e : excluded) {
            if (e > value) {
                break;
            }
            value++;
        }
        return value;
    }

    /** For each position, how many earlier positions hold the same row. */
    private static int[] occurrenceNumbers(int[] rows) {
        int[] occurrence = new int[rows.length];
        java.util.Map<Integer, Integer> seen = new java.util.HashMap<>();
        for (int i = 0; i < rows.length; i++) {
            occurrence[i] = seen.merge(rows[i], 1, Integer::sum) - 1;
        }
        return occurrence;
    }

    private int[] rowsOf(TrainingBatch batch, INDArray queries) {
        long[] indices = batch.sampleIndices();
        if (queries.rank() != 2 || queries.size(0) != indices.length || queries.size(1) != bank.columns()) {
            throw new IllegalArgumentException("memory bank: queries must be [" + indices.length + ", "
                    + bank.columns() + "] for this batch, got " + Arrays.toString(queries.shape()));
        }
        return rowsOf(indices);
    }

    /** The bank rows of sample indices. */
    private int[] rowsOf(long[] indices) {
        int[] rows = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= bank.rows()) {
                throw new IllegalArgumentException("memory bank: sample index " + indices[i] + " at batch position "
                        + i + " is outside the data set [0, " + bank.rows() + ")");
            }
            rows[i] = (int) indices[i];
        }
        return rows;
    }
}
