package dev.moco.spark;

import dev.moco.bench.benchmark.throughput.ThroughputBenchmark;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.Map;

/**
 * One worker of {@code bench distributed}, the body of its barrier task: joins the ring and runs
 * its share of the measured training step over it, on the task's thread. Worker 0 prints the
 * per-step lines to its standard output.
 */
final class ThroughputWorker implements BarrierStage.Worker<ThroughputBenchmark.Result> {

    private static final long serialVersionUID = 1L;

    private final ThroughputBenchmark.Options row;

    ThroughputWorker(ThroughputBenchmark.Options row) {
        this.row = row;
    }

    @Override
    public ThroughputBenchmark.Result run(int rank, Map<String, Object> trackerArgs, Runnable rendezvous) {
        rendezvous.run();
        try (RingAllReduce ring = RingAllReduce.join(trackerArgs, rank)) {
            PrintWriter log = new PrintWriter(rank == 0 ? System.out : OutputStream.nullOutputStream(), true);
            return ThroughputBenchmark.run(row, log, ring);
        }
    }
}
