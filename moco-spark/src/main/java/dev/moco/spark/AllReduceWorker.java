package dev.moco.spark;

import dev.moco.api.Encoder;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The body of one barrier task in {@link AllReduceBenchmark}: fingerprints ND4J and oneDNN,
 * joins the collective, fingerprints them again, then times the all-reduce of each payload in
 * each {@link Method}, checking every sum.
 *
 * <p>Every timed call starts together on all workers (a one-float all-reduce first), so a
 * call's time on the slowest worker is the collective's time.
 */
public final class AllReduceWorker {

    /** Each worker's values are (rank + 1) · (i mod this): small integers, so every sum is exact in float. */
    static final int PATTERN_PERIOD = 251;

    private AllReduceWorker() {
    }

    /** How a float buffer reaches the native ring all-reduce. */
    public enum Method {
        /** XGBoost4J's {@code Communicator.allReduce(float[], SUM)}: a fresh direct buffer, copied into and out of. */
        PUBLIC_API("api float[]"),
        /** The public API's two copies alone, as it makes them, without the collective: where its extra time goes. */
        PUBLIC_API_COPY_ONLY("api copy only"),
        /** The ND4J array's own native memory handed to the collective: no copy, no allocation. */
        ZERO_COPY("zero-copy"),
        /** As {@link #ZERO_COPY}, in chunks of {@link Plan#chunkElements()}, one collective call each. */
        ZERO_COPY_CHUNKED("zero-copy chunked");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * A buffer to all-reduce: one encoder's gradient.
     *
     * @param name what the size is, e.g. {@code resnet50 (3ch, MLP head)}
     * @param elements floats in it
     */
    public record Payload(String name, long elements) implements Serializable {
        public Payload {
            if (elements < 1 || elements > RingAllReduce.MAX_ELEMENTS_PER_CALL) {
                throw new IllegalArgumentException("a payload has 1.." + RingAllReduce.MAX_ELEMENTS_PER_CALL
                        + " floats, got " + elements + " for " + name);
            }
        }

        public long bytes() {
            return elements * Float.BYTES;
        }
    }

    /**
     * What every worker does.
     *
     * @param payloads the buffers, in order
     * @param repeats timed calls per payload and method (after one untimed warm-up call)
     * @param chunkElements the chunk of {@link Method#ZERO_COPY_CHUNKED}
     */
    public record Plan(List<Payload> payloads, int repeats, int chunkElements) implements Serializable {
        public Plan {
            payloads = List.copyOf(payloads);
            if (repeats < 1) {
                throw new IllegalArgumentException("repeats must be at least 1, got " + repeats);
            }
            if (chunkElements < 1) {
                throw new IllegalArgumentException("chunkElements must be positive, got " + chunkElements);
            }
        }
    }

    /**
     * One payload and method on one worker.
     *
     * @param payload the buffer
     * @param method how it was all-reduced
     * @param millis each timed call, in order
     */
    public record Timing(Payload payload, Method method, double[] millis) implements Serializable {
    }

    /**
     * What one worker saw.
     *
     * @param rank its rank
     * @param worldSize W as the collective reported it
     * @param before ND4J and oneDNN before joining the collective
     * @param afterJoin the same encoder again, after joining and after every all-reduce
     * @param freshAfterJoin a new encoder of the same spec built after joining
     * @param barrierMillis Spark's {@code BarrierTaskContext.barrier()} before joining, or -1 outside Spark
     * @param joinMillis {@link RingAllReduce#join} until every worker had joined
     * @param timings every payload in every method
     * @param wrongSums checks that failed; empty when every sum was exact
     */
    public record Report(int rank, int worldSize, EngineFingerprint before, EngineFingerprint afterJoin,
            EngineFingerprint freshAfterJoin, double barrierMillis, double joinMillis, List<Timing> timings,
            List<String> wrongSums) implements Serializable {

        /** True if joining the collective and all-reducing left ND4J's and oneDNN's results bitwise unchanged. */
        public boolean enginesUnaffected() {
            return before.identicalTo(afterJoin) && before.identicalTo(freshAfterJoin);
        }
    }

    /**
     * Runs the plan as worker {@code rank}.
     *
     * @param trackerArgs {@link CollectiveTracker#workerArgs()}
     * @param rendezvous called once before joining (Spark's task barrier), timed; may do nothing
     */
    public static Report run(int rank, Map<String, Object> trackerArgs, Plan plan, Runnable rendezvous) {
        EngineFingerprint before;
        EngineFingerprint afterJoin;
        EngineFingerprint fresh;
        double barrierMillis;
        double joinMillis;
        int worldSize;
        List<Timing> timings = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        try (Encoder encoder = EngineFingerprint.buildEncoder()) {
            before = EngineFingerprint.take(encoder);
            long t0 = System.nanoTime();
            rendezvous.run();
            long t1 = System.nanoTime();
            try (RingAllReduce ring = RingAllReduce.join(trackerArgs, rank)) {
                long t2 = System.nanoTime();
                barrierMillis = (t1 - t0) / 1e6;
                joinMillis = (t2 - t1) / 1e6;
                worldSize = ring.worldSize();
                for (Payload payload : plan.payloads()) {
                    for (Method method : Method.values()) {
                        timings.add(time(ring, payload, method, plan, wrong));
                    }
                }
                afterJoin = EngineFingerprint.take(encoder);
                try (Encoder again = EngineFingerprint.buildEncoder()) {
                    fresh = EngineFingerprint.take(again);
                }
            }
        }
        return new Report(rank, worldSize, before, afterJoin, fresh, barrierMillis, joinMillis, timings, wrong);
    }

    private static Timing time(RingAllReduce ring, Payload payload, Method method, Plan plan, List<String> wrong) {
        int n = (int) payload.elements();
        int world = ring.worldSize();
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (ring.rank() + 1) * (float) (i % PATTERN_PERIOD);
        }
        INDArray mine = Nd4j.createFromArray(values);
        INDArray expected = Nd4j.createFromArray(expectedSum(n, world));
        INDArray buffer = Nd4j.create(DataType.FLOAT, n);
        INDArray start = Nd4j.create(DataType.FLOAT, 1);
        double[] millis = new double[plan.repeats()];
        for (int rep = -1; rep < plan.repeats(); rep++) {
            buffer.assign(mine);
            ring.sumInPlace(start);
            long t0 = System.nanoTime();
            switch (method) {
                case PUBLIC_API -> {
                    float[] sum = ring.sumThroughPublicApi(values);
                    millis(millis, rep, t0);
                    check(Nd4j.createFromArray(sum), expected, payload, method, rep, wrong);
                }
                case PUBLIC_API_COPY_ONLY -> {
                    float[] back = copyInAndOutAsThePublicApiDoes(values);
                    millis(millis, rep, t0);
                    if (back[n - 1] != values[n - 1]) {
                        wrong.add(payload.name() + " " + method.label() + ": the copy changed the last value");
                    }
                }
                case ZERO_COPY -> {
                    ring.sumInPlace(buffer);
                    millis(millis, rep, t0);
                    check(buffer, expected, payload, method, rep, wrong);
                }
                case ZERO_COPY_CHUNKED -> {
                    ring.sumInPlace(buffer, plan.chunkElements());
                    millis(millis, rep, t0);
                    check(buffer, expected, payload, method, rep, wrong);
                }
            }
        }
        return new Timing(payload, method, millis);
    }

    /** Records the time since {@code t0}, except for the warm-up call (rep −1). */
    private static void millis(double[] millis, int rep, long t0) {
        long elapsed = System.nanoTime() - t0;
        if (rep >= 0) {
            millis[rep] = elapsed / 1e6;
        }
    }

    /** What XGBoost4J 3.4.0's {@code Communicator.allReduce(float[], ...)} does around the native call. */
    static float[] copyInAndOutAsThePublicApiDoes(float[] values) {
        ByteBuffer direct = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
        for (float v : values) {
            direct.putFloat(v);
        }
        direct.flip();
        float[] out = new float[values.length];
        direct.asFloatBuffer().get(out);
        return out;
    }

    /** The exact sum over W workers of the pattern: W(W+1)/2 · (i mod period). */
    static float[] expectedSum(int n, int world) {
        float factor = world * (world + 1) / 2f;
        float[] sum = new float[n];
        for (int i = 0; i < n; i++) {
            sum[i] = factor * (i % PATTERN_PERIOD);
        }
        return sum;
    }

    private static void check(INDArray actual, INDArray expected, Payload payload, Method method, int rep, List<String> wrong) {
        double maxError = actual.sub(expected).norm1Number().doubleValue();
        if (maxError != 0) {
            wrong.add(payload.name() + " " + method.label() + " call " + rep + ": the sum is off by " + maxError + " in total");
        }
    }
}
