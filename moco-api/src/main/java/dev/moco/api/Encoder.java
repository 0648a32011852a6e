package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trainable network f mapping a batch of images to a batch of feature vectors: the
 * query encoder f_q and key encoder f_k of MoCo (He et al. 2020, Sec. 3.2).
 *
 * <p>Every forward pass returns a {@link Pass} that owns what its backward needs, so one
 * encoder can be run on two views before either is back-propagated (the end-to-end
 * mechanism sends gradient through both the query and the key path).
 *
 * <pre>{@code
 * Encoder.Pass pass = encoder.forward(images, Encoder.Mode.TRAINING);
 * INDArray features = pass.output();          // [N, outputDimension()]
 * pass.backward(lossGradientWrtFeatures);     // adds into encoder.gradients()
 * }</pre>
 *
 * <p>Encoders that expose their backbone stages for dense transfer implement
 * {@link FeatureMapEncoder}.
 *
 * <p>Parameters and gradients are single flat views, so the momentum update
 * θk ← m·θk + (1−m)·θq and the optimizer are one vector operation each.
 */
public interface Encoder extends AutoCloseable {

    /** How batch normalisation and the other mode-dependent layers behave. */
    enum Mode {
        /** Batch statistics; running statistics are updated; a backward pass is possible. */
        TRAINING,
        /**
         * As {@link #TRAINING} (batch statistics, running statistics updated), but no backward
         * pass will follow, so nothing needs to be kept for one: the momentum key encoder,
         * which the reference code runs in train mode under {@code torch.no_grad()}.
         */
        TRAINING_WITHOUT_GRADIENT,
        /** Running statistics; nothing is kept for a backward pass; nothing is updated. */
        INFERENCE
    }

    /**
     * Runs the network over {@code input} ([N, channels, height, width] for images).
     *
     * @param input the batch, [N, channels, height, width]
     * @param mode how batch normalisation behaves, and whether a backward pass may follow
     * @param normalizationGroups in the training modes, the batch is split into this many
     *     contiguous groups of equal size, and batch normalisation uses each group's own
     *     statistics (shuffle BN, Sec. 3.3); 1 means the whole batch. Ignored in inference.
     * @throws IllegalArgumentException if the groups do not divide the batch (see
     *     {@link #requireGroupsDivideBatch})
     * @return the pass, owning its output and what its backward needs
     */
    Pass forward(INDArray input, Mode mode, int normalizationGroups);

    /**
     * The check {@link #forward(INDArray, Mode, int)} makes in the training modes, with the
     * message every implementation gives: the normalisation groups must be at least 1 and
     * divide the batch.
     *
     * @param normalizationGroups the groups asked for
     * @param batchSize N, the images in the batch
     * @throws IllegalArgumentException naming both numbers and the configuration keys that set them
     */
    static void requireGroupsDivideBatch(int normalizationGroups, long batchSize) {
        if (normalizationGroups < 1 || batchSize % normalizationGroups != 0) {
            throw new IllegalArgumentException(normalizationGroups + " normalisation groups do not divide the batch of "
                    + batchSize + " (shuffle.groups must be >= 1 and divide batch.size)");
        }
    }

    /**
     * {@link #forward(INDArray, Mode, int)} with one normalisation group.
     *
     * @param input the batch, [N, channels, height, width]
     * @param mode how batch normalisation behaves, and whether a backward pass may follow
     * @return the pass
     */
    default Pass forward(INDArray input, Mode mode) {
        return forward(input, mode, 1);
    }

    /**
     * The representation used downstream (linear/kNN evaluation, transfer, export): the
     * backbone's output after global pooling and before the projection head, in inference
     * mode.
     *
     * @param input the batch, [N, channels, height, width]
     * @return the representations, [N, representationDimension()]
     */
    INDArray represent(INDArray input);

    /** {@return the width of {@link Pass#output()}: the feature dimension C} */
    int outputDimension();

    /** {@return the width of {@link #represent(INDArray)}} */
    int representationDimension();

    /**
     * All trainable parameters as one flat vector view: writing to it changes the network.
     * Its layout is fixed for the life of the encoder and equal across {@link #copy()}.
     *
     * @return the flat parameter view
     */
    INDArray parameters();

    /** {@return the gradients accumulated by {@link Pass#backward}, a flat view laid out like {@link #parameters()}} */
    INDArray gradients();

    /** Sets {@link #gradients()} to zero; call before each training step. */
    void zeroGradients();

    /**
     * State that is not trained by gradient but belongs to the network (batch
     * normalisation running means and variances), as one flat view; length 0 if none.
     * Saved and restored with the parameters.
     *
     * @return the flat buffer view
     */
    INDArray buffers();

    /** {@return a deep copy: same architecture, parameters and buffers, independent storage} */
    Encoder copy();

    /**
     * Frees native resources (primitives, arenas) this encoder holds; the encoder must not be
     * used afterwards. Idempotent. Encoders on the JVM heap alone need do nothing.
     */
    @Override
    default void close() {
    }

    /** One forward pass: its output, and the backward through it. */
    interface Pass {
        /** {@return the features, [N, outputDimension()]; owned by the pass, not to be modified} */
        INDArray output();

        /**
         * Back-propagates {@code outputGradient} ([N, outputDimension()]) and adds the
         * parameter gradients into {@link Encoder#gradients()}. Only for passes run in
         * {@link Mode#TRAINING}; at most once per pass; otherwise IllegalStateException.
         *
         * @param outputGradient d loss / d {@link #output()}
         */
        void backward(INDArray outputGradient);
    }
}
