package dev.moco.bench.benchmark.throughput;

import dev.moco.api.ContrastiveLoss;
import dev.moco.api.InBatchKeys;
import dev.moco.api.SharedNegatives;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A {@link ContrastiveLoss} that records the time of each evaluation (logits, softmax, gradients). */
final class TimedLoss implements ContrastiveLoss {

    private final ContrastiveLoss delegate;
    private final PhaseTimes times;

    TimedLoss(ContrastiveLoss delegate, PhaseTimes times) {
        this.delegate = delegate;
        this.times = times;
    }

    @Override
    public Result compute(INDArray queries, SharedNegatives contrast) {
        return timed(() -> delegate.compute(queries, contrast));
    }

    @Override
    public InBatchResult compute(INDArray queries, InBatchKeys contrast) {
        return timed(() -> delegate.compute(queries, contrast));
    }

    private <R extends Result> R timed(Supplier<R> evaluation) {
        long t0 = System.nanoTime();
        R r = evaluation.get();
        times.add("loss", System.nanoTime() - t0);
        return r;
    }
}
