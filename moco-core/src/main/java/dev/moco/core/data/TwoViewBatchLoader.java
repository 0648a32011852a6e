package dev.moco.core.data;

import dev.moco.api.Collective;
import dev.moco.api.kit.SplitMix64;
import dev.moco.api.kit.StepWorkspace;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.data.augment.ImageBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Feeds MoCo training: iterates an {@link ImageDataset} epoch by epoch in an order shuffled
 * from (seed, epoch), cuts it into batches of N images (the last incomplete batch of an
 * epoch is dropped), and makes two independently augmented views of each image, the query
 * x_q and the key x_k (He et al., arXiv:1911.05722, Algorithm 1: {@code x_q = aug(x);
 * x_k = aug(x)}).
 *
 * <p><b>Ahead of the training step.</b> Batches are augmented on {@code workers} background
 * threads into a bounded queue of {@code prefetch} batches, submitted in order as soon as
 * the loader is built, so the step does not wait whenever augmentation keeps up with it.
 * Each batch is made by one worker; several workers make consecutive batches in parallel.
 *
 * <p><b>Reproducible.</b> The view of image i in epoch e is a pure function of (seed, e, i,
 * view) (see {@link SplitMix64#derive(long, long, long, long)}), whatever the thread count
 * or timing, and {@link Builder#startAt(int, long)} resumes a run exactly where a checkpoint
 * left it: the batches from there on equal those of the uninterrupted run.
 *
 * <p><b>One worker's share.</b> In a data-parallel run of W workers, {@link Builder#shard}
 * makes worker r's loader cut the same global batches of N and load and augment only its rows
 * r·N/W to (r+1)·N/W; since a view depends on (seed, epoch, index, view) alone, the shards
 * together hold exactly the single process's pixels.
 *
 * <p><b>Memory.</b> By default every batch owns new native arrays, which javacpp frees when the
 * garbage collector finds them. With {@link Builder#reuseBatchMemory()} the loader cycles
 * through at most {@code prefetch + 1} pairs of arrays instead: a batch is then valid until
 * the next call of {@link #next()}, and {@link #close()} frees them (the training loop's case).
 *
 * <p><b>Clean.</b> {@link #close()} stops and joins the worker threads. An exception on a
 * worker reaches the consumer as a {@link DataLoadingException} (cause: the worker's
 * exception) from {@link #next()}, and closes the loader.
 *
 * <pre>{@code
 * ImageDataset train = DatasetSplit.holdOut(FashionMnist.embeddedTest(), 2_000, 42).train();
 * AugmentationPipeline aug = AugmentationPreset.V2.pipeline(train.shape(), Normalize.FASHION_MNIST);
 * try (TwoViewBatchLoader loader = TwoViewBatchLoader.builder(train, aug)
 *         .batchSize(256).seed(42).epochs(200).workers(1).startAt(epoch, stepInEpoch).build()) {
 *     while (loader.hasNext()) {
 *         TwoViewBatch batch = loader.next();
 *         trainer.step(batch);
 *     }
 * }
 * }</pre>
 */
public final class TwoViewBatchLoader implements Iterator<TwoViewBatch>, AutoCloseable {

    /** Prefix of the worker threads' names. */
    public static final String THREAD_NAME_PREFIX = "moco-augment-";

    private static final long SHUFFLE_SALT = 0x5ec0ffee5eedL;
    private static final AtomicInteger LOADER_IDS = new AtomicInteger();

    private final ImageDataset dataset;
    private final AugmentationPipeline pipeline;
    private final int batchSize;
    private final int rowsPerWorker;
    private final int firstRow;
    private final long seed;
    private final int endEpoch;
    private final long stepsPerEpoch;
    private final int prefetch;
    private final ExecutorService executor;
    private final List<Thread> workerThreads = new CopyOnWriteArrayList<>();
    private final ThreadLocal<WorkerState> workerState;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final boolean reuseBatchMemory;
    /** With {@link #reuseBatchMemory}: views no batch holds, and every pair made so far. */
    private final ArrayDeque<ViewMemory> freeMemory = new ArrayDeque<>();
    private final List<ViewMemory> allMemory = new ArrayList<>();
    /** The memory of the batch {@link #next()} returned last, free again at the next call. */
    private ViewMemory served;

    private int submitEpoch;
    private long submitStepInEpoch;
    private long submitGlobalStep;
    private int[] order;
    private int orderEpoch = -1;
    private boolean closed;

    private record Pending(Future<TwoViewBatch> future, int epoch, long stepInEpoch, long step, ViewMemory memory) {
    }

    /** The native arrays of one batch's two views, reused when the loader reuses batch memory. */
    private record ViewMemory(INDArray query, INDArray key) {
        void close() {
            query.close();
            key.close();
        }
    }

    /** Per-thread buffers: the source image, the two views of a batch, augmentation memory. */
    private static final class WorkerState {
        final ImageBuffer buffer = new ImageBuffer();
        final SplitMix64 random = new SplitMix64(0);
        float[] source = new float[0];
        float[] query = new float[0];
        float[] key = new float[0];
    }

    private TwoViewBatchLoader(Builder b) {
        this.dataset = b.dataset;
        this.pipeline = b.pipeline;
        this.batchSize = b.batchSize;
        this.rowsPerWorker = b.shard.share(MocoConfig.BATCH_SIZE, batchSize);
        this.firstRow = b.shard.rank() * rowsPerWorker;
        this.seed = b.seed;
        this.endEpoch = b.epochs;
        this.stepsPerEpoch = dataset.size() / batchSize;
        this.prefetch = b.prefetch > 0 ? b.prefetch : Math.max(4, b.workers + 1);
        this.reuseBatchMemory = b.reuseBatchMemory;
        if (!dataset.shape().equals(pipeline.inputShape())) {
            throw new IllegalArgumentException("the data set's images are " + dataset.shape()
                    + " but the augmentation pipeline expects " + pipeline.inputShape());
        }
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("batch size " + batchSize + " exceeds the "
                    + dataset.size() + " images of the data set: an epoch would have no full batch");
        }
        if (b.startEpoch < 0 || b.startStepInEpoch < 0 || b.startStepInEpoch > stepsPerEpoch) {
            throw new IllegalArgumentException("cannot start at epoch " + b.startEpoch
                    + ", step " + b.startStepInEpoch + ": an epoch has " + stepsPerEpoch + " steps");
        }
        this.submitEpoch = b.startEpoch;
        this.submitStepInEpoch = b.startStepInEpoch;
        this.submitGlobalStep = b.startGlobalStep >= 0 ? b.startGlobalStep
                : b.startEpoch * stepsPerEpoch + b.startStepInEpoch;
        if (submitStepInEpoch == stepsPerEpoch) {
            submitEpoch++;
            submitStepInEpoch = 0;
        }
        int loaderId = LOADER_IDS.incrementAndGet();
        AtomicInteger threadIds = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, THREAD_NAME_PREFIX + loaderId + "-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            workerThreads.add(t);
            return t;
        };
        this.executor = Executors.newFixedThreadPool(b.workers, threads);
        this.workerState = ThreadLocal.withInitial(WorkerState::new);
        fill();
    }

    public static Builder builder(ImageDataset dataset, AugmentationPipeline pipeline) {
        return new Builder(dataset, pipeline);
    }

    /** Options of a {@link TwoViewBatchLoader}; {@link #batchSize} is required. */
    public static final class Builder {
        private final ImageDataset dataset;
        private final AugmentationPipeline pipeline;
        private int batchSize;
        private long seed;
        private int epochs = 1;
        private int workers = 1;
        private int prefetch;
        private int startEpoch;
        private long startStepInEpoch;
        private long startGlobalStep = -1;
        private boolean reuseBatchMemory;
        private Collective shard = Collective.SINGLE_PROCESS;

        private Builder(ImageDataset dataset, AugmentationPipeline pipeline) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        }

        /** Images per batch, N. */
        public Builder batchSize(int batchSize) {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Seed of the shuffling and of every augmentation (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Total epochs of the run; iteration ends after epoch {@code epochs - 1} (default 1). */
        public Builder epochs(int epochs) {
            if (epochs < 0) {
                throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /**
         * Augmentation threads (default 1). The training step uses the cores too: on a
         * two-core machine one worker is usually enough (see the throughput benchmark).
         */
        public Builder workers(int workers) {
            if (workers <= 0) {
                throw new IllegalArgumentException("workers must be positive, got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Batches prepared ahead of the consumer (default max(4, workers + 1)). */
        public Builder prefetch(int batches) {
            if (batches <= 0) {
                throw new IllegalArgumentException("prefetch must be positive, got " + batches);
            }
            this.prefetch = batches;
            return this;
        }

        /**
         * Resumes at batch {@code stepInEpoch} of {@code epoch} (both from 0), with global
         * step {@code epoch * stepsPerEpoch + stepInEpoch}. {@code stepInEpoch} may equal the
         * steps per epoch (the epoch is done: start at the next one).
         */
        public Builder startAt(int epoch, long stepInEpoch) {
            this.startEpoch = epoch;
            this.startStepInEpoch = stepInEpoch;
            this.startGlobalStep = -1;
            return this;
        }

        /** Like {@link #startAt(int, long)} with an explicit global step number for the first batch. */
        public Builder startAt(int epoch, long stepInEpoch, long globalStep) {
            if (globalStep < 0) {
                throw new IllegalArgumentException("global step must be >= 0, got " + globalStep);
            }
            this.startEpoch = epoch;
            this.startStepInEpoch = stepInEpoch;
            this.startGlobalStep = globalStep;
            return this;
        }

        /**
         * Cycles through {@code prefetch + 1} preallocated pairs of view arrays instead of
         * creating new ones per batch, so no batch's native memory waits for the garbage
         * collector: a batch from {@link #next()} is then valid only until the next call of
         * {@link #next()} or {@link #close()}.
         */
        public Builder reuseBatchMemory() {
            this.reuseBatchMemory = true;
            return this;
        }

        /**
         * Loads only this worker's rows of every global batch of {@link #batchSize} N: rows
         * rank·N/W to (rank+1)·N/W, so each batch holds N/W images. The order, the steps per
         * epoch and every image's views are those of the whole run.
         *
         * @param collective the workers of the data-parallel run (default: a single process)
         * @throws IllegalArgumentException at {@link #build()}, naming {@code batch.size} and W,
         *     if W does not divide N
         */
        public Builder shard(Collective collective) {
            this.shard = Objects.requireNonNull(collective, "collective");
            return this;
        }

        /** Starts the workers, which begin preparing the first batches at once. */
        public TwoViewBatchLoader build() {
            if (batchSize == 0) {
                throw new IllegalStateException("call batchSize(n) before build()");
            }
            return new TwoViewBatchLoader(this);
        }
    }

    /** Full batches per epoch, {@code floor(size / batchSize)}. */
    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** {@return N, the images of a global batch; with {@link Builder#shard} each batch holds N/W of them} */
    public int batchSize() {
        return batchSize;
    }

    @Override
    public boolean hasNext() {
        return !closed && !pending.isEmpty();
    }

    /**
     * The next batch, waiting for it if the workers are behind.
     *
     * @throws DataLoadingException when augmenting it failed (the loader is then closed)
     * @throws NoSuchElementException after the last epoch, or once closed
     */
    @Override
    public TwoViewBatch next() {
        if (!hasNext()) {
            throw new NoSuchElementException(closed ? "the loader is closed"
                    : "all " + endEpoch + " epochs have been delivered");
        }
        if (served != null) {
            freeMemory.add(served);     // the caller is done with the previous batch
            served = null;
        }
        Pending head = pending.poll();
        fill();
        try {
            TwoViewBatch batch = head.future().get();
            served = head.memory();
            return batch;
        } catch (ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            throw new DataLoadingException("preparing the batch of epoch " + head.epoch()
                    + ", step " + head.stepInEpoch() + " (global step " + head.step() + ") failed: "
                    + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new DataLoadingException("interrupted while waiting for a batch", e);
        } catch (CancellationException e) {
            throw new DataLoadingException("the batch was cancelled (loader closed)", e);
        }
    }

    /** Stops the workers and waits for them to end; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Pending p : pending) {
            p.future().cancel(true);
        }
        pending.clear();
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("augmentation workers did not stop within 30 s");
            }
            // the pool is terminated once its workers have left their loops; join them so that
            // none is still alive when close() returns
            for (Thread t : workerThreads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (executor.isTerminated()) {  // no worker writes into the views any more
            allMemory.forEach(ViewMemory::close);
        }
        allMemory.clear();
        freeMemory.clear();
        served = null;
    }

    /** The order in which epoch {@code epoch} visits a data set of {@code size} images. */
    public static int[] epochOrder(int size, long seed, int epoch) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        new SplitMix64(SplitMix64.derive(seed ^ SHUFFLE_SALT, epoch)).shuffle(order);
        return order;
    }

    private void fill() {
        while (!closed && pending.size() < prefetch && submitEpoch < endEpoch) {
            if (orderEpoch != submitEpoch) {
                order = epochOrder(dataset.size(), seed, submitEpoch);
                orderEpoch = submitEpoch;
            }
            long[] indices = new long[rowsPerWorker];     // this worker's rows of the global batch
            int first = (int) (submitStepInEpoch * batchSize) + firstRow;
            for (int i = 0; i < rowsPerWorker; i++) {
                indices[i] = order[first + i];
            }
            int epoch = submitEpoch;
            long stepInEpoch = submitStepInEpoch;
            long step = submitGlobalStep;
            ViewMemory memory = reuseBatchMemory ? freeViewMemory() : null;
            Future<TwoViewBatch> future = executor.submit(() -> makeBatch(indices, epoch, stepInEpoch, step, memory));
            pending.add(new Pending(future, epoch, stepInEpoch, step, memory));
            submitGlobalStep++;
            if (++submitStepInEpoch == stepsPerEpoch) {
                submitEpoch++;
                submitStepInEpoch = 0;
            }
        }
    }

    private ViewMemory freeViewMemory() {
        ViewMemory memory = freeMemory.poll();
        if (memory == null) {
            ImageShape out = pipeline.outputShape();
            long[] shape = {rowsPerWorker, out.channels(), out.height(), out.width()};
            try (MemoryWorkspace outside = StepWorkspace.outside()) {
                memory = new ViewMemory(Nd4j.create(DataType.FLOAT, shape), Nd4j.create(DataType.FLOAT, shape));
            }
            allMemory.add(memory);
        }
        return memory;
    }

    private TwoViewBatch makeBatch(long[] indices, int epoch, long stepInEpoch, long step, ViewMemory memory) {
        WorkerState state = workerState.get();
        ImageShape in = pipeline.inputShape();
        ImageShape out = pipeline.outputShape();
        int viewLength = out.length();
        int total = indices.length * viewLength;
        if (state.query.length != total) {
            state.query = new float[total];
            state.key = new float[total];
        }
        if (state.source.length < in.length()) {
            state.source = new float[in.length()];
        }
        for (int i = 0; i < indices.length; i++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("loader closed");
            }
            int index = (int) indices[i];
            dataset.readImage(index, state.source, 0);
            state.random.reseed(SplitMix64.derive(seed, epoch, index, 0));
            pipeline.apply(state.source, 0, state.random, state.buffer, state.query, i * viewLength);
            state.random.reseed(SplitMix64.derive(seed, epoch, index, 1));
            pipeline.apply(state.source, 0, state.random, state.buffer, state.key, i * viewLength);
        }
        if (memory != null) {
            memory.query().data().setData(state.query);
            memory.key().data().setData(state.key);
            return new TwoViewBatch(memory.query(), memory.key(), indices, step, epoch, stepInEpoch);
        }
        long[] shape = {indices.length, out.channels(), out.height(), out.width()};
        INDArray query = Nd4j.create(state.query, shape, DataType.FLOAT);
        INDArray key = Nd4j.create(state.key, shape, DataType.FLOAT);
        return new TwoViewBatch(query, key, indices, step, epoch, stepInEpoch);
    }
}
