package dev.moco.bench.throughput;

import dev.moco.api.Contrast;
import dev.moco.api.ContrastiveLoss;
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
    public Result compute(INDArray queries, Contrast contrast) {
        long t0 = System.nanoTime();
        Result r = delegate.compute(queries, contrast);
        times.add("loss", System.nanoTime() - t0);
        return r;
    }
}
