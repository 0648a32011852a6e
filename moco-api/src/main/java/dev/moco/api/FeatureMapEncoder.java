package dev.moco.api;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An {@link Encoder} whose backbone stages can be read and fine-tuned through: what dense
 * transfer (object detection and segmentation, He et al. 2020, Sec. 4.2) builds its heads on.
 *
 * <p>A stage is a group of residual blocks at one resolution: C2–C5 for the ImageNet-layout
 * ResNets (total strides 4, 8, 16, 32), the three stages of the small-input ResNets (strides
 * 1, 2, 4). One forward pass returns every stage's output and the globally pooled vector; its
 * backward accepts gradients arriving at any subset of them.
 *
 * <pre>{@code
 * FeatureMapEncoder.FeatureMapPass pass = encoder.forwardFeatureMaps(images, Encoder.Mode.TRAINING, 1);
 * INDArray c5 = pass.featureMaps().get(encoder.stageCount() - 1);   // [N, C5, H/32, W/32]
 * List<INDArray> grads = Arrays.asList(null, null, dC4, dC5);       // null: no gradient at that stage
 * pass.backward(grads, null);                                        // adds into encoder.gradients()
 * }</pre>
 */
public interface FeatureMapEncoder extends Encoder {

    /** {@return the number of stages whose outputs {@link FeatureMapPass#featureMaps()} returns} */
    int stageCount();

    /** {@return the channels of each stage's output, shallowest stage first} */
    int[] stageChannels();

    /** {@return the total stride of each stage's output relative to the input, shallowest stage first} */
    int[] stageStrides();

    /**
     * Runs the backbone (not the projection head) over {@code input}, [N, channels, H, W].
     *
     * @param input the batch, [N, channels, H, W]
     * @param mode as in {@link Encoder#forward(INDArray, Mode, int)}
     * @param normalizationGroups as in {@link Encoder#forward(INDArray, Mode, int)}
     * @return the pass, with every stage's output
     * @throws IllegalArgumentException if the groups do not divide the batch or the input does not fit
     */
    FeatureMapPass forwardFeatureMaps(INDArray input, Mode mode, int normalizationGroups);

    /** One backbone pass: every stage's output, the pooled representation, and the backward. */
    interface FeatureMapPass {
        /**
         * The output of each stage, shallowest first, [N, stageChannels()[s], H_s, W_s]
         * (after the stage's last ReLU). Owned by the pass; do not modify.
         *
         * @return the stage outputs
         */
        List<INDArray> featureMaps();

        /** {@return the globally average-pooled last stage, [N, representationDimension()]} */
        INDArray pooled();

        /**
         * Back-propagates the given gradients into the backbone's parameters, adding into
         * {@link Encoder#gradients()} (the projection head's entries are left unchanged).
         * Only for passes run in {@link Mode#TRAINING}; at most once per pass.
         *
         * @param featureMapGradients one entry per stage, each shaped like that stage's
         *     output or {@code null} where no gradient arrives; the list itself may be
         *     {@code null} when only {@code pooledGradient} is given
         * @param pooledGradient gradient at {@link #pooled()}, or {@code null}
         */
        void backward(List<INDArray> featureMapGradients, INDArray pooledGradient);
    }
}
