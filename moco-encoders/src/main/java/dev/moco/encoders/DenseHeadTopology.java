package dev.moco.encoders;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The one description of a dense prediction head on a backbone's stage maps, read by both
 * implementations ({@link ReferenceDenseHead} from reference layers, the fast engine's
 * {@code FastDenseHead} from oneDNN units) and by the tensor layout they share:
 *
 * <pre>
 * stage s (stride ≥ fusionStride) ─ 1×1 conv → width ─ bilinear ×(stride_s / fusionStride) ─┐
 *                                                                                       Σ ─ BN ─ ReLU
 *   ─ 3×3 conv ─ BN ─ ReLU ─ 1×1 conv → outputs ─ bias [─ bilinear ×fusionStride to the input]
 * </pre>
 *
 * The fusion of laterals by upsampling and summing is FPN's top-down merge (Lin et al. 2017)
 * without the per-level outputs; with the final upsampling to the input it is an FCN
 * (Long et al. 2015) for segmentation ({@link #segmentation}); without it a CenterNet-style grid
 * (Zhou et al. 2019) for detection ({@link #detection}).
 *
 * <p>Tensor names, in layout order: {@code lateral<s>.weight} per read stage, {@code fuse.bn.*},
 * {@code tower.conv.weight}, {@code tower.bn.*}, {@code predict.conv.weight},
 * {@code predict.bias}.
 *
 * @param stageChannels channels of every backbone stage, shallowest first
 * @param stageStrides total stride of every backbone stage
 * @param fusionStride the stride at which the laterals are summed; stages of a smaller stride are not read
 * @param width channels of the fused features and the tower
 * @param outputBias the initial bias of each output channel (its length is the number of outputs)
 * @param upsampleToInput whether the outputs are upsampled from the fusion stride to the input's resolution
 */
public record DenseHeadTopology(int[] stageChannels, int[] stageStrides, int fusionStride, int width, double[] outputBias,
        boolean upsampleToInput) {

    /** CenterNet's prior π = 0.1 of a heatmap peak: its logits start at −log((1 − π)/π) ≈ −2.19. */
    public static final double HEATMAP_PRIOR = 0.1;

    /**
     * @throws IllegalArgumentException if the stages' channels and strides do not match, no stage
     *     reaches the fusion stride, or a read stage's stride is not a multiple of it
     */
    public DenseHeadTopology {
        stageChannels = stageChannels.clone();
        stageStrides = stageStrides.clone();
        outputBias = outputBias.clone();
        if (stageChannels.length != stageStrides.length || stageChannels.length == 0) {
            throw new IllegalArgumentException("the backbone must report channels and strides for each of its stages, got "
                    + Arrays.toString(stageChannels) + " and " + Arrays.toString(stageStrides));
        }
        if (fusionStride < 1 || width < 1 || outputBias.length == 0) {
            throw new IllegalArgumentException("a dense head needs a fusion stride, a width and outputs of at least 1, got "
                    + fusionStride + ", " + width + " and " + outputBias.length);
        }
        boolean reads = false;
        for (int s = 0; s < stageStrides.length; s++) {
            if (stageStrides[s] >= fusionStride) {
                reads = true;
                if (stageStrides[s] % fusionStride != 0) {
                    throw new IllegalArgumentException("stage " + s + " has stride " + stageStrides[s]
                            + ", not a multiple of the head's fusion stride " + fusionStride);
                }
            }
        }
        if (!reads) {
            throw new IllegalArgumentException("no stage has a stride of at least " + fusionStride + ": "
                    + Arrays.toString(stageStrides));
        }
    }

    /**
     * An FCN-style segmentation head: every stage fused at the finest stage's stride, logits
     * of {@code classes} (bias 0) upsampled to the input resolution.
     */
    public static DenseHeadTopology segmentation(int[] stageChannels, int[] stageStrides, int classes, int width) {
        int finest = Arrays.stream(stageStrides).min().orElse(1);
        return new DenseHeadTopology(stageChannels, stageStrides, finest, width, new double[classes], true);
    }

    /**
     * A CenterNet-style detection head at stride max(2, finest stride): {@code classes} heatmap
     * logits with the bias of the {@link #HEATMAP_PRIOR}, then {@code channelsPerCell} channels
     * with bias 0: the box encoding, and for an instance head the mask channels (what they mean
     * is the loss's business).
     */
    public static DenseHeadTopology detection(int[] stageChannels, int[] stageStrides, int classes, int channelsPerCell,
            int width) {
        int stride = Math.max(2, Arrays.stream(stageStrides).min().orElse(1));
        double[] bias = new double[classes + channelsPerCell];
        Arrays.fill(bias, 0, classes, -Math.log((1 - HEATMAP_PRIOR) / HEATMAP_PRIOR));
        return new DenseHeadTopology(stageChannels, stageStrides, stride, width, bias, false);
    }

    @Override
    public int[] stageChannels() {
        return stageChannels.clone();
    }

    @Override
    public int[] stageStrides() {
        return stageStrides.clone();
    }

    @Override
    public double[] outputBias() {
        return outputBias.clone();
    }

    /** {@return the stages the head reads (stride ≥ the fusion stride), shallowest first} */
    public int[] readStages() {
        return IntStream.range(0, stageStrides.length).filter(s -> stageStrides[s] >= fusionStride).toArray();
    }

    /** {@return the upsampling factor of stage {@code s}'s lateral to the fusion stride} */
    public int lateralFactor(int s) {
        return stageStrides[s] / fusionStride;
    }

    public int outputChannels() {
        return outputBias.length;
    }

    /** {@return the stride of the output grid relative to the input: 1 when upsampled to the input} */
    public int outputStride() {
        return upsampleToInput ? 1 : fusionStride;
    }

    /** {@return the factor of the final upsampling to the input, 1 when there is none} */
    public int finalUpsampling() {
        return upsampleToInput ? fusionStride : 1;
    }

    /** The 1×1 lateral convolution of stage {@code s}. */
    public ResNetTopology.Conv lateral(int s) {
        return new ResNetTopology.Conv("lateral" + s, stageChannels[s], width, 1, 1, 0, 1);
    }

    /** The BN (with ReLU) over the summed laterals. */
    public String fusionNorm() {
        return "fuse.bn";
    }

    /** The 3×3 convolution of the tower, followed by {@link #towerNorm()} and a ReLU. */
    public ResNetTopology.Conv tower() {
        return new ResNetTopology.Conv("tower.conv", width, width, 3, 1, 1, 1);
    }

    public String towerNorm() {
        return "tower.bn";
    }

    /** The 1×1 prediction convolution, followed by the per-channel bias {@link #predictionBias()}. */
    public ResNetTopology.Conv prediction() {
        return new ResNetTopology.Conv("predict.conv", width, outputChannels(), 1, 1, 0, 1);
    }

    /** The name prefix of the output bias ({@code predict.bias}). */
    public String predictionBias() {
        return "predict";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenseHeadTopology t && Arrays.equals(stageChannels, t.stageChannels)
                && Arrays.equals(stageStrides, t.stageStrides) && fusionStride == t.fusionStride && width == t.width
                && Arrays.equals(outputBias, t.outputBias) && upsampleToInput == t.upsampleToInput;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(stageChannels) * 31 + Arrays.hashCode(stageStrides) * 17 + fusionStride * 7 + width
                + Arrays.hashCode(outputBias) + (upsampleToInput ? 1 : 0);
    }

    @Override
    public String toString() {
        return "DenseHeadTopology(stages " + Arrays.toString(stageChannels) + " at strides " + Arrays.toString(stageStrides)
                + ", fused at stride " + fusionStride + ", width " + width + ", " + outputChannels() + " outputs"
                + (upsampleToInput ? ", upsampled to the input" : "") + ")";
    }
}
