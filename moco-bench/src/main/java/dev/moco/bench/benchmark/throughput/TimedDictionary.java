package dev.moco.bench.benchmark.throughput;

import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.TrainingBatch;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link Dictionary} that records the time of its look-up and of its update, and its own
 * work: those times without the encoder passes run inside them (the key encoder's forward,
 * or the query encoder's forward on the key view for end-to-end).
 */
final class TimedDictionary implements Dictionary {

    /** The phase of the dictionary's own work. */
    static final String OWN_WORK = "dictionary own work";

    private final Dictionary delegate;
    private final PhaseTimes times;

    TimedDictionary(Dictionary delegate, PhaseTimes times) {
        this.delegate = delegate;
        this.times = times;
    }

    @Override
    public Contrast contrast(TrainingBatch batch, INDArray queries) {
        long encoders = encoderNanos();
        long t0 = System.nanoTime();
        Contrast c = delegate.contrast(batch, queries);
        long elapsed = System.nanoTime() - t0;
        times.add("dictionary contrast", elapsed);
        times.add(OWN_WORK, elapsed - (encoderNanos() - encoders));
        return c;
    }

    @Override
    public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {
        long encoders = encoderNanos();
        long t0 = System.nanoTime();
        delegate.update(batch, queries, contrast);
        long elapsed = System.nanoTime() - t0;
        times.add("dictionary update", elapsed);
        times.add(OWN_WORK, elapsed - (encoderNanos() - encoders));
    }

    private long encoderNanos() {
        return times.current("query forward") + times.current("key forward") + times.current("query backward");
    }

    @Override
    public long negativesPerQuery() {
        return delegate.negativesPerQuery();
    }

    @Override
    public Map<String, INDArray> state() {
        return delegate.state();
    }

    @Override
    public void restore(Map<String, INDArray> state) {
        delegate.restore(state);
    }

    @Override
    public long memoryBytes() {
        return delegate.memoryBytes();
    }
}
