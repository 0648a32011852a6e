package dev.moco.bench.benchmark.throughput;

import java.util.List;

/**
 * The data-parallel step on W nodes, on paper: each node steps its own N images (weak
 * scaling, the global batch W·N, as the papers' 32 images per GPU) in the compute time one
 * process measured, then waits for its collective calls, each a ring all-reduce. A ring
 * all-reduce of b bytes over W nodes sends 2(W−1)/W · b from every node, at the link's
 * bandwidth B, in 2(W−1) steps of latency α per native call (Patarasuk and Yuan; the
 * analysis of Horovod, Sergeev and Del Balso 2018, and of PyTorch DDP, Li et al. 2020):
 *
 * <pre>
 * t_comm(W) = Σ_phases  2(W−1)/W · b(W) / B  +  2(W−1) · α · max(calls, ⌈b(W) / chunk⌉)
 * t_step(W) = t_compute + t_comm(W)          (no overlap: the all-reduce starts after the backward)
 * efficiency(W) = t_compute / t_step(W)      (images/s of W nodes over W times one node's)
 * </pre>
 *
 * <p>A phase's buffer b(W) is its measured size, or, for a gather (whose buffer holds every
 * node's rows), the measured size of the global batch's N rows times W.
 *
 * <pre>{@code
 * ScalingProjection p = new ScalingProjection(4000, List.of(new ScalingProjection.Traffic("gradients", 111_866_624, 1, false)),
 *         50, 4 << 20);
 * double efficiency = p.efficiency(64, 25);
 * }</pre>
 *
 * @param computeMillis one node's step without collective calls, in ms
 * @param traffic the step's collective phases
 * @param latencyMicros α, the latency of one step of the ring (one message between neighbours), in µs
 * @param chunkBytes the most bytes one native all-reduce call takes; larger buffers go in several calls
 */
public record ScalingProjection(double computeMillis, List<Traffic> traffic, double latencyMicros, long chunkBytes) {

    /**
     * One collective phase of a step.
     *
     * @param phase its name
     * @param bytes the bytes it all-reduces per step, with the rows of one batch of N images
     * @param calls its collective calls per step
     * @param gathersRows whether its buffer holds every node's rows (a gather), so it grows with W
     */
    public record Traffic(String phase, long bytes, long calls, boolean gathersRows) {

        /** {@return the bytes this phase all-reduces per step on {@code nodes} nodes of N images each} */
        public double bytesOn(int nodes) {
            return gathersRows ? (double) bytes * nodes : bytes;
        }
    }

    public ScalingProjection {
        traffic = List.copyOf(traffic);
        if (computeMillis <= 0 || latencyMicros < 0 || chunkBytes < 1) {
            throw new IllegalArgumentException("a projection needs a positive compute time and chunk, and a latency >= 0; got "
                    + computeMillis + " ms, " + chunkBytes + " bytes, " + latencyMicros + " µs");
        }
    }

    /** {@return the bytes every node sends per step on {@code nodes} nodes: 2(W−1)/W of each buffer} */
    public double bytesSentPerNode(int nodes) {
        return traffic.stream().mapToDouble(t -> ringShare(nodes) * t.bytesOn(nodes)).sum();
    }

    /** {@return the collective calls' time per step on {@code nodes} nodes linked at {@code gigabitsPerSecond}, in ms} */
    public double communicationMillis(int nodes, double gigabitsPerSecond) {
        return bandwidthMillis(nodes, gigabitsPerSecond) + latencyMillis(nodes);
    }

    /** {@return the bandwidth term alone, in ms} */
    public double bandwidthMillis(int nodes, double gigabitsPerSecond) {
        return bytesSentPerNode(nodes) * Byte.SIZE / (gigabitsPerSecond * 1e9) * 1e3;
    }

    /** {@return the latency term alone, in ms} */
    public double latencyMillis(int nodes) {
        double nativeCalls = traffic.stream().mapToDouble(t -> Math.max(t.calls(), Math.ceil(t.bytesOn(nodes) / chunkBytes))).sum();
        return 2.0 * (nodes - 1) * latencyMicros / 1e3 * nativeCalls;
    }

    /** {@return the step on {@code nodes} nodes, in ms} */
    public double stepMillis(int nodes, double gigabitsPerSecond) {
        return computeMillis + communicationMillis(nodes, gigabitsPerSecond);
    }

    /** {@return the scaling efficiency on {@code nodes} nodes: one node's step over theirs} */
    public double efficiency(int nodes, double gigabitsPerSecond) {
        return computeMillis / stepMillis(nodes, gigabitsPerSecond);
    }

    private static double ringShare(int nodes) {
        return 2.0 * (nodes - 1) / nodes;
    }
}
