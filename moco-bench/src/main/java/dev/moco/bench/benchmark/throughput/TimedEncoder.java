package dev.moco.bench.benchmark.throughput;

import dev.moco.api.Encoder;
import dev.moco.core.ForwardingEncoder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An {@link Encoder} that records the time of its forward and backward passes under a phase
 * prefix ({@code query} for f_q). Its {@link #copy()} — how dictionaries make the key encoder
 * f_k — is timed under {@code key}, so the two encoders' costs are told apart.
 */
final class TimedEncoder extends ForwardingEncoder {

    private final PhaseTimes times;
    private final String prefix;

    TimedEncoder(Encoder delegate, PhaseTimes times, String prefix) {
        super(delegate);
        this.times = times;
        this.prefix = prefix;
    }

    @Override
    public Pass forward(INDArray input, Mode mode, int normalizationGroups) {
        long t0 = System.nanoTime();
        Pass pass = delegate().forward(input, mode, normalizationGroups);
        times.add(prefix + " forward", System.nanoTime() - t0);
        return new Pass() {
            @Override
            public INDArray output() {
                return pass.output();
            }

            @Override
            public void backward(INDArray outputGradient) {
                long t1 = System.nanoTime();
                pass.backward(outputGradient);
                times.add(prefix + " backward", System.nanoTime() - t1);
            }
        };
    }

    @Override
    public Encoder copy() {
        return new TimedEncoder(delegate().copy(), times, "key");
    }
}
