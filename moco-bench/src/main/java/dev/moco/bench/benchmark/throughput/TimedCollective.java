package dev.moco.bench.benchmark.throughput;

import dev.moco.api.Collective;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link Collective} that records, per step, the wall time, the bytes all-reduced and the
 * calls of each collective call of a data-parallel step, in three phases, and otherwise hands
 * every call to the worker's own collective, so the trainer and the dictionaries run unchanged:
 *
 * <ul>
 *   <li>{@value #GRADIENTS}: an all-reduce of exactly the query encoder's gradient length, the
 *       step's {@code meanInPlace(gradients)};</li>
 *   <li>{@value #GATHER}: {@code gatherRows} and {@code gatherIndices} (the queue's key views and
 *       keys, the memory bank's indices and queries);</li>
 *   <li>{@value #STATISTICS}: every other all-reduce (the BN running statistics, the loss and
 *       accuracy).</li>
 * </ul>
 *
 * <p>The bytes are those of the buffer each call all-reduces: the array's for a sum or a mean,
 * the whole [W·n, ...] result for a gather (the default gathers by summing a zeroed buffer), two
 * FLOATs per index for {@code gatherIndices} (its documented encoding). A call that moves nothing
 * (one worker, an empty mean) counts no bytes. A ring all-reduce of b bytes sends 2(W−1)/W · b
 * from each worker.
 */
final class TimedCollective implements Collective {

    /** The phase of the query encoder's gradient all-reduce. */
    static final String GRADIENTS = "gradient all-reduce";
    /** The phase of the gathers. */
    static final String GATHER = "gather";
    /** The phase of the other all-reduces. */
    static final String STATISTICS = "statistics all-reduce";

    private final Collective delegate;
    private final long gradientLength;
    private final PhaseTimes nanos;
    private final PhaseTimes bytes;
    private final PhaseTimes calls;

    /**
     * @param delegate the worker's collective, which every call goes to
     * @param gradientLength the query encoder's parameter count: an all-reduce of this length is the gradients'
     * @param nanos where the wall time of each call goes, by phase
     * @param bytes where the bytes each call all-reduces go, by phase
     * @param calls where each call counts 1, by phase
     */
    TimedCollective(Collective delegate, long gradientLength, PhaseTimes nanos, PhaseTimes bytes, PhaseTimes calls) {
        this.delegate = delegate;
        this.gradientLength = gradientLength;
        this.nanos = nanos;
        this.bytes = bytes;
        this.calls = calls;
    }

    @Override
    public int rank() {
        return delegate.rank();
    }

    @Override
    public int workers() {
        return delegate.workers();
    }

    @Override
    public void sumInPlace(INDArray values) {
        timed(phaseOf(values), bytesOf(values), () -> {
            delegate.sumInPlace(values);
            return null;
        });
    }

    @Override
    public void meanInPlace(INDArray values) {
        timed(phaseOf(values), bytesOf(values), () -> {
            delegate.meanInPlace(values);
            return null;
        });
    }

    @Override
    public INDArray gatherRows(INDArray local) {
        long moved = workers() == 1 ? 0 : (long) workers() * local.length() * local.dataType().width();
        return timed(GATHER, moved, () -> delegate.gatherRows(local));
    }

    @Override
    public long[] gatherIndices(long[] local) {
        long moved = workers() == 1 ? 0 : (long) workers() * local.length * 2 * Float.BYTES;
        return timed(GATHER, moved, () -> delegate.gatherIndices(local));
    }

    @Override
    public INDArray ownRows(INDArray global) {
        return delegate.ownRows(global);
    }

    @Override
    public int share(String setting, int total) {
        return delegate.share(setting, total);
    }

    @Override
    public String toString() {
        return "timed " + delegate;
    }

    private String phaseOf(INDArray values) {
        return values.length() == gradientLength ? GRADIENTS : STATISTICS;
    }

    private long bytesOf(INDArray values) {
        return workers() == 1 ? 0 : values.length() * values.dataType().width();
    }

    private <T> T timed(String phase, long moved, Supplier<T> call) {
        long t0 = System.nanoTime();
        T result = call.get();
        nanos.add(phase, System.nanoTime() - t0);
        bytes.add(phase, moved);
        calls.add(phase, 1);
        return result;
    }
}
