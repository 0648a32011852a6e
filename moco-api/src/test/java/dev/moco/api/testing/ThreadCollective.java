package dev.moco.api.testing;

import dev.moco.api.Collective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * W workers of a data-parallel run as W threads of one JVM, for tests: each thread gets its
 * own {@link Collective} (rank 0 to W − 1), and {@link Collective#sumInPlace} meets the others
 * at a barrier. Every worker adds the posted arrays in rank order, so all get the same bits.
 * ND4J workspaces are per thread, so each worker steps in its own.
 *
 * <p>The fixture checks the collective's contract: the workers' arrays must agree in shape and
 * data type and be dense, otherwise every worker fails naming the difference. A worker that
 * throws, or a call the others do not make within a minute, fails them all instead of hanging.
 *
 * <pre>{@code
 * List<Encoder> trained = ThreadCollective.run(2, collective -> train(collective));   // rank order
 * }</pre>
 */
public final class ThreadCollective {

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final int workers;
    private final INDArray[] posted;
    private final Object lock = new Object();
    private int arrived;
    private long generation;
    private String broken;       // once set, every wait fails: the run is over

    private ThreadCollective(int workers) {
        this.workers = workers;
        this.posted = new INDArray[workers];
    }

    /**
     * Runs {@code work} on {@code workers} threads, each with its own rank's collective, and
     * waits for all.
     *
     * @param workers W, at least 1
     * @param work one worker's part, given its collective
     * @return each worker's result, in rank order
     * @throws IllegalStateException carrying the first worker's own failure (the others fail with it)
     */
    public static <T> List<T> run(int workers, Function<Collective, T> work) {
        ThreadCollective group = new ThreadCollective(workers);
        ExecutorService threads = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "thread-collective-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int rank = 0; rank < workers; rank++) {
                Collective collective = group.worker(rank);
                int failing = rank;
                futures.add(threads.submit(() -> {
                    try {
                        return work.apply(collective);
                    } catch (RuntimeException | Error e) {
                        group.breakBarrier("worker " + failing + " failed: " + e);
                        throw e;
                    }
                }));
            }
            List<T> results = new ArrayList<>();
            Throwable first = null;
            for (int rank = 0; rank < workers; rank++) {
                try {
                    results.add(futures.get(rank).get());
                } catch (ExecutionException e) {
                    if (first == null || first instanceof BrokenByOtherWorker) {
                        first = e.getCause();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the workers", e);
                }
            }
            if (first != null) {
                throw new IllegalStateException("a worker failed: " + first, first);
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    private Collective worker(int rank) {
        return new Collective() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int workers() {
                return workers;
            }

            @Override
            public void sumInPlace(INDArray values) {
                posted[rank] = values;
                await();
                String contract = contractBroken();     // the same answer on every worker: all fail or none
                if (contract != null) {
                    throw new IllegalStateException(contract);
                }
                INDArray sum = posted[0].dup();
                for (int other = 1; other < workers; other++) {
                    sum.addi(posted[other]);
                }
                await();       // every worker has read every array before any is overwritten
                values.assign(sum);
            }

            @Override
            public String toString() {
                return "worker " + rank + " of " + workers + " threads";
            }
        };
    }

    /** What breaks the contract of {@link Collective#sumInPlace} in the posted arrays, or null. */
    private String contractBroken() {
        for (int rank = 0; rank < workers; rank++) {
            INDArray values = posted[rank];
            if (values.elementWiseStride() != 1 || values.rank() > 1 && values.ordering() != 'c') {
                return "worker " + rank + " passed an array that is not dense: shape " + Arrays.toString(values.shape())
                        + ", order " + values.ordering() + ", element stride " + values.elementWiseStride();
            }
            if (!Arrays.equals(values.shape(), posted[0].shape()) || values.dataType() != posted[0].dataType()) {
                return "worker " + rank + " summed " + values.dataType() + Arrays.toString(values.shape())
                        + " but worker 0 " + posted[0].dataType() + Arrays.toString(posted[0].shape());
            }
        }
        return null;
    }

    /** Waits until every worker has arrived; fails if the run broke, or after a minute. */
    private void await() {
        synchronized (lock) {
            long mine = generation;
            if (broken == null && ++arrived == workers) {
                arrived = 0;
                generation++;
                lock.notifyAll();
                return;
            }
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            while (broken == null && generation == mine) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    breakBarrier("the other workers did not make the same collective call within 60 s");
                    break;
                }
                try {
                    lock.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    breakBarrier("interrupted at the collective's barrier");
                }
            }
            if (generation == mine) {
                throw new BrokenByOtherWorker(broken);
            }
        }
    }

    private void breakBarrier(String why) {
        synchronized (lock) {
            if (broken == null) {
                broken = why;
            }
            lock.notifyAll();
        }
    }

    /** A worker stopped at the barrier because another one failed or never came. */
    private static final class BrokenByOtherWorker extends IllegalStateException {
        BrokenByOtherWorker(String message) {
            super(message);
        }
    }
}
