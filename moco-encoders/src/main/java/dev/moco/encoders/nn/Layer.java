package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One differentiable building block of the reference encoders (NCHW layout).
 *
 * <p>A layer holds only its parameters (views into a {@link ParameterBank}); everything a
 * backward pass needs lives in the {@link LayerPass} returned by {@link #forward}, so the
 * same layer can have several passes alive at once (MoCo end-to-end runs the encoder on
 * queries and keys before back-propagating either).
 *
 * <pre>{@code
 * LayerPass pass = layer.forward(x, Encoder.Mode.TRAINING, 1);
 * INDArray y = pass.output();
 * INDArray dx = pass.backward(dy);   // parameter gradients are added into the bank
 * }</pre>
 */
public interface Layer {

    /**
     * Runs the layer.
     *
     * @param input the input batch; not modified
     * @param mode training (batch statistics, backward possible) or inference
     * @param normalizationGroups number of contiguous equal batch groups that batch
     *     normalisation treats separately in training mode (shuffle BN); 1 for the whole batch
     */
    LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups);
}
