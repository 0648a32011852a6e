package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.Canvas;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.DenseHeadTopology;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What distinguishes segmentation from detection transfer: the head's topology, the loss on a
 * batch of canvases, and the test metric. {@link FineTuning} runs either, with the head in
 * either implementation.
 */
public interface TransferTask {

    /** The head for a backbone with these stages. */
    DenseHeadTopology headTopology(int[] stageChannels, int[] stageStrides, int width);

    /**
     * The training loss of the head's output on {@code batch}, with its gradient. A task may
     * keep working arrays from one call to the next: one task per fine-tuning, a step at a time.
     */
    LossResult loss(DenseHead head, INDArray output, List<Canvas> batch);

    /** A fresh accumulator of the test metric. */
    Evaluation evaluation(DenseHead head);

    /** Accumulates the head's inference outputs over the test canvases. */
    interface Evaluation {
        void add(INDArray output, List<Canvas> batch);

        /** Metric name to value, in report order; the first is the headline metric. */
        Map<String, Double> metrics();
    }
}
