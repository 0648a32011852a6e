package dev.moco.downstream.transfer;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A loss value and its gradient with respect to the head's output.
 *
 * @param value the loss
 * @param gradient dL/d(output), shaped like the output
 */
public record LossResult(double value, INDArray gradient) {
}
