package dev.moco.encoders.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/** One forward pass through a {@link Layer}: its output and the backward through it. */
public interface LayerPass {

    /** The layer's output. Owned by the pass; callers must not modify it. */
    INDArray output();

    /**
     * Back-propagates the gradient of the loss with respect to {@link #output()}: adds the
     * parameter gradients into the layer's gradient views and returns the gradient with
     * respect to the layer's input (a new array).
     *
     * @throws IllegalStateException if the pass was run in inference mode
     */
    INDArray backward(INDArray outputGradient);

    /** A pass that cannot be back-propagated (inference mode). */
    static LayerPass inferenceOnly(INDArray output, String layerName) {
        return new LayerPass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public INDArray backward(INDArray outputGradient) {
                throw new IllegalStateException(
                        "layer '" + layerName + "' ran in INFERENCE mode; only TRAINING passes can be back-propagated");
            }
        };
    }
}
