package dev.moco.spark;

import dev.moco.api.Encoder;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
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
        /** A float[] through one direct buffer kept across calls, with bulk copies in and out. */
        REUSED_BUFFER("reused buffer"),
        /** The ND4J array's own native memory handed to the collective: no copy, no allocation. */
        ZERO_COPY("zero-copy"),
        /** As {@link #ZERO_COPY}, in consecutive chunks, one collective call each. */
        ZERO_COPY_CHUNKED("zero-copy, chunks of");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * A method, and for {@link Method#ZERO_COPY_CHUNKED} its chunk.
     *
     * @param method how the buffer reaches the collective
     * @param chunkElements floats per collective call; 0 for the whole buffer at once
     */
    public record Variant(Method method, int chunkElements) implements Serializable {
        public String label() {
            if (chunkElements == 0) {
                return method.label();
            }
            double megabytes = chunkElements * (double) Float.BYTES / 1e6;
            return megabytes >= 0.1 ? String.format(java.util.Locale.ROOT, "%s %.1f MB", method.label(), megabytes)
                    : method.label() + " " + chunkElements + " floats";
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
     * @param chunkElements the chunks {@link Method#ZERO_COPY_CHUNKED} is timed with, in floats
     */
    public record Plan(List<Payload> payloads, int repeats, List<Integer> chunkElements) implements Serializable {
        public Plan {
            payloads = List.copyOf(payloads);
            chunkElements = List.copyOf(chunkElements);
            if (repeats < 1) {
                throw new IllegalArgumentException("repeats must be at least 1, got " + repeats);
            }
            for (int chunk : chunkElements) {
                if (chunk < 1 || chunk > RingAllReduce.MAX_ELEMENTS_PER_CALL) {
                    throw new IllegalArgumentException("a chunk has 1.." + RingAllReduce.MAX_ELEMENTS_PER_CALL + " floats, got " + chunk);
                }
            }
        }

        /** Every method once, the chunked one once per chunk, in the order they are timed. */
        public List<Variant> variants() {
            List<Variant> variants = new ArrayList<>();
            for (Method method : Method.values()) {
                if (method == Method.ZERO_COPY_CHUNKED) {
                    chunkElements.forEach(chunk -> variants.add(new Variant(method, chunk)));
                } else {
                    variants.add(new Variant(method, 0));
                }
            }
            return variants;
        }
    }

    /**
     * One payload and method on one worker.
     *
     * @param payload the buffer
     * @param variant how it was all-reduced
     * @param millis each timed call, in order
     */
    public record Timing(Payload payload, Variant variant, double[] millis) implements Serializable {
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
     * Runs the plan on {@code workers} tasks of one Spark barrier stage.
     *
     * @return the workers' reports, by rank
     */
    public static List<Report> runOnBarrierStage(JavaSparkContext context, int workers, Plan plan) {
        return BarrierStage.run(context, workers, (rank, trackerArgs, rendezvous) -> run(rank, trackerArgs, plan, rendezvous));
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
                worldSize = ring.workers();
                for (Payload payload : plan.payloads()) {
                    for (Variant variant : plan.variants()) {
                        timings.add(time(ring, payload, variant, plan.repeats(), wrong));
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

    private static Timing time(RingAllReduce ring, Payload payload, Variant variant, int repeats, List<String> wrong) {
        int n = (int) payload.elements();
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (ring.rank() + 1) * (float) (i % PATTERN_PERIOD);
        }
        INDArray mine = Nd4j.createFromArray(values);
        INDArray expected = Nd4j.createFromArray(expectedSum(n, ring.workers()));
        INDArray buffer = Nd4j.create(DataType.FLOAT, n);
        ByteBuffer reused = variant.method() == Method.REUSED_BUFFER
                ? ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()) : null;
        float[] out = new float[n];
        INDArray start = Nd4j.create(DataType.FLOAT, 1);
        String label = payload.name() + " " + variant.label();
        double[] millis = new double[repeats];
        for (int rep = -1; rep < repeats; rep++) {
            buffer.assign(mine);
            ring.sumInPlace(start);
            long t0 = System.nanoTime();
            switch (variant.method()) {
                case PUBLIC_API -> {
                    float[] sum = ring.sumThroughPublicApi(values);
                    millis(millis, rep, t0);
                    check(Nd4j.createFromArray(sum), expected, label, rep, wrong);
                }
                case PUBLIC_API_COPY_ONLY -> {
                    float[] back = copyInAndOutAsThePublicApiDoes(values);
                    millis(millis, rep, t0);
                    if (!java.util.Arrays.equals(back, values)) {
                        wrong.add(label + ": the copy changed the values");
                    }
                }
                case REUSED_BUFFER -> {
                    reused.clear();
                    reused.asFloatBuffer().put(values);
                    ring.sumInPlace(reused, n);
                    reused.asFloatBuffer().get(out);
                    millis(millis, rep, t0);
                    check(Nd4j.createFromArray(out), expected, label, rep, wrong);
                }
                case ZERO_COPY -> {
                    ring.sumInPlace(buffer);
                    millis(millis, rep, t0);
                    check(buffer, expected, label, rep, wrong);
                }
                case ZERO_COPY_CHUNKED -> {
                    ring.sumInPlace(buffer, variant.chunkElements());
                    millis(millis, rep, t0);
                    check(buffer, expected, label, rep, wrong);
                }
            }
        }
        return new Timing(payload, variant, millis);
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

    private static void check(INDArray actual, INDArray expected, String label, int rep, List<String> wrong) {
        double totalError = actual.sub(expected).norm1Number().doubleValue();
        if (totalError != 0) {
            wrong.add(label + (rep < 0 ? " warm-up call" : " call " + rep) + ": the sum is off by " + totalError + " in total");
        }
    }
}
