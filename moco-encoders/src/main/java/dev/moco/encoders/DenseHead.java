package dev.moco.encoders;

import dev.moco.api.Encoder;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense prediction head on a backbone's stage maps ({@code FeatureMapEncoder}), as a
 * {@link DenseHeadTopology} describes it. Two implementations share the topology's tensor
 * names, initial values and flat layout, so parameters, checkpoints and optimizer state move
 * between them: {@link ReferenceDenseHead} (reference layers, finite-difference-checked) and
 * {@code dev.moco.encoders.fast.FastDenseHead} (oneDNN units, parity-tested against the
 * reference). {@link EncoderImplementation#createHead} builds either.
 *
 * <pre>{@code
 * DenseHeadTopology t = DenseHeadTopology.segmentation(encoder.stageChannels(), encoder.stageStrides(), 11, 32);
 * try (DenseHead head = EncoderImplementation.FAST.createHead(t, seed)) {
 *     DenseHead.Pass p = head.forward(backbonePass.featureMaps(), Encoder.Mode.TRAINING, 1);
 *     List<INDArray> stageGradients = p.backward(dLossDLogits);   // null for stages it does not read
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one head runs one pass at a time.
 */
public interface DenseHead extends NamedParameters, AutoCloseable {

    DenseHeadTopology topology();

    /** {@return the stride of the output grid relative to the input (1 when upsampled to the input)} */
    default int outputStride() {
        return topology().outputStride();
    }

    default int outputChannels() {
        return topology().outputChannels();
    }

    /** {@return all trainable parameters, one flat vector in the topology's layout order} */
    INDArray parameters();

    /** {@return the gradients, laid out like {@link #parameters()}; backward passes add into it} */
    INDArray gradients();

    void zeroGradients();

    /** {@return the BN running statistics, one flat vector} */
    INDArray buffers();

    /**
     * Runs the head over a backbone pass's stage maps.
     *
     * @param featureMaps every stage's output, shallowest first, [N, stageChannels[s], H/stride_s, W/stride_s]
     *     (stages the head does not read may be anything, even null)
     * @param mode training (batch statistics, backward possible), training without gradient or inference
     * @param normalizationGroups BN groups in training mode, as {@link Encoder#forward}
     * @throws IllegalArgumentException if a read map does not fit the topology or the groups do not divide the batch
     */
    Pass forward(List<INDArray> featureMaps, Encoder.Mode mode, int normalizationGroups);

    /** One pass: the head's output and the backward to the stage maps. */
    interface Pass {
        /** {@return the output, [N, outputChannels(), H / outputStride(), W / outputStride()]} */
        INDArray output();

        /**
         * Back-propagates {@code outputGradient}, adding into {@link #gradients()}; at most
         * once per pass, only in {@link Encoder.Mode#TRAINING}.
         *
         * @return one gradient per backbone stage (null for stages the head does not read),
         *     ready for {@code FeatureMapPass.backward}
         */
        List<INDArray> backward(INDArray outputGradient);
    }

    /** Frees native resources (the fast head's primitives and arenas); the reference head has none. */
    @Override
    default void close() {
    }
}
