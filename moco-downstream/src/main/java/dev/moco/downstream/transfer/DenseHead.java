package dev.moco.downstream.transfer;

import dev.moco.api.Encoder;
import dev.moco.encoders.nn.BatchNorm2d;
import dev.moco.encoders.nn.BilinearUpsample;
import dev.moco.encoders.nn.Conv2d;
import dev.moco.encoders.nn.ElementwiseSum;
import dev.moco.encoders.nn.Layer;
import dev.moco.encoders.nn.LayerPass;
import dev.moco.encoders.nn.Merge;
import dev.moco.encoders.nn.ParameterBank;
import dev.moco.encoders.nn.Relu;
import dev.moco.encoders.nn.Sequential;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A small dense prediction head on a backbone's stage feature maps, made of moco-encoders'
 * reference layers (so its backward is the finite-difference-checked one of each layer):
 *
 * <pre>
 * stage s (stride ≥ outputStride) ─ 1×1 conv → width ─ bilinear ×(stride_s / outputStride) ─┐
 *                                                                                       Σ ─ BN ─ ReLU
 *   ─ 3×3 conv ─ BN ─ ReLU ─ 1×1 conv → outputs ─ bias [─ bilinear ×outputStride to the input]
 * </pre>
 *
 * The fusion of laterals by upsampling and summing is FPN's top-down merge (Lin et al. 2017)
 * without the per-level outputs; with the final upsampling to the input it is an FCN
 * (Long et al. 2015) for segmentation; without it a CenterNet-style grid (Zhou et al. 2019)
 * for detection. Its parameters live in its own {@link ParameterBank}.
 *
 * <pre>{@code
 * DenseHead head = DenseHead.segmentation(encoder.stageChannels(), encoder.stageStrides(), 11, 32, seed, DataType.FLOAT);
 * DenseHead.Pass p = head.forward(backbonePass.featureMaps(), Encoder.Mode.TRAINING);
 * List<INDArray> stageGradients = p.backward(dLossDLogits);   // null for stages it does not read
 * }</pre>
 */
public final class DenseHead {

    private final ParameterBank bank = new ParameterBank();
    private final int[] stageStrides;
    private final int outputStride;
    private final boolean upsampleToInput;
    private final int outputChannels;
    private final List<Integer> stages = new ArrayList<>();
    private final List<Layer> laterals = new ArrayList<>();
    private final Merge sum = new ElementwiseSum();
    private final Layer tower;

    private DenseHead(int[] stageChannels, int[] stageStrides, int outputStride, int width, double[] outputBias,
            boolean upsampleToInput, long seed, DataType dataType) {
        if (stageChannels.length != stageStrides.length || stageChannels.length == 0) {
            throw new IllegalArgumentException("the backbone must report channels and strides for each of its stages, got "
                    + Arrays.toString(stageChannels) + " and " + Arrays.toString(stageStrides));
        }
        this.stageStrides = stageStrides.clone();
        this.outputStride = outputStride;
        this.upsampleToInput = upsampleToInput;
        this.outputChannels = outputBias.length;
        for (int s = 0; s < stageStrides.length; s++) {
            if (stageStrides[s] < outputStride) {
                continue;
            }
            if (stageStrides[s] % outputStride != 0) {
                throw new IllegalArgumentException("stage " + s + " has stride " + stageStrides[s]
                        + ", not a multiple of the head's output stride " + outputStride);
            }
            Conv2d lateral = new Conv2d(bank, "lateral" + s, stageChannels[s], width, 1, 1, 0);
            int factor = stageStrides[s] / outputStride;
            laterals.add(factor == 1 ? lateral : new Sequential(lateral, BilinearUpsample.byScale(factor)));
            stages.add(s);
        }
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("no stage has a stride of at least " + outputStride + ": "
                    + Arrays.toString(stageStrides));
        }
        List<Layer> layers = new ArrayList<>(List.of(
                new BatchNorm2d(bank, "fuse.bn", width), new Relu(),
                new Conv2d(bank, "tower.conv", width, width, 3, 1, 1), new BatchNorm2d(bank, "tower.bn", width), new Relu(),
                new Conv2d(bank, "predict.conv", width, outputChannels, 1, 1, 0),
                new ChannelBias(bank, "predict", outputBias)));
        if (upsampleToInput && outputStride > 1) {
            layers.add(BilinearUpsample.byScale(outputStride));
        }
        this.tower = new Sequential(layers);
        bank.allocate(dataType, seed);
    }

    /**
     * An FCN-style segmentation head: every stage fused at the finest stage's stride, logits
     * of {@code classes} upsampled to the input resolution.
     */
    public static DenseHead segmentation(int[] stageChannels, int[] stageStrides, int classes, int width, long seed,
            DataType dataType) {
        int finest = Arrays.stream(stageStrides).min().orElseThrow();
        return new DenseHead(stageChannels, stageStrides, finest, width, new double[classes], true, seed, dataType);
    }

    /**
     * A CenterNet-style detection head at output stride max(2, finest stride): {@code classes}
     * heatmap logits with the bias −log((1 − π)/π) of prior π = 0.1 (CenterNet's −2.19), then
     * log width, log height (in cells; bias 0, a box of one cell), x offset and y offset channels.
     */
    public static DenseHead detection(int[] stageChannels, int[] stageStrides, int classes, int width, long seed,
            DataType dataType) {
        return detection(stageChannels, stageStrides, classes, 0, width, seed, dataType);
    }

    /**
     * The detection head above with {@code extraChannels} more outputs after the box
     * channels, bias 0: what an instance head reads at each cell besides the box
     * ({@link InstanceChannels}).
     */
    public static DenseHead detection(int[] stageChannels, int[] stageStrides, int classes, int extraChannels, int width,
            long seed, DataType dataType) {
        int stride = Math.max(2, Arrays.stream(stageStrides).min().orElseThrow());
        double[] bias = new double[classes + CenterNetTargets.REGRESSION_CHANNELS + extraChannels];
        Arrays.fill(bias, 0, classes, -Math.log((1 - 0.1) / 0.1));
        return new DenseHead(stageChannels, stageStrides, stride, width, bias, false, seed, dataType);
    }

    /** The stride of the output grid relative to the input (1 when upsampled to the input). */
    public int outputStride() {
        return upsampleToInput ? 1 : outputStride;
    }

    public int outputChannels() {
        return outputChannels;
    }

    /** All trainable parameters, one flat vector. */
    public INDArray parameters() {
        return bank.parameters();
    }

    public INDArray gradients() {
        return bank.gradients();
    }

    public void zeroGradients() {
        bank.gradients().assign(0);
    }

    /** BN running statistics. */
    public INDArray buffers() {
        return bank.buffers();
    }

    /** One pass: the head's output and the backward to the stage feature maps. */
    public interface Pass {
        /** [N, outputChannels, H / outputStride(), W / outputStride()]. */
        INDArray output();

        /**
         * Back-propagates {@code outputGradient}, adding into {@link #gradients()}; returns one
         * gradient per backbone stage (null for stages the head does not read), ready for
         * {@code FeatureMapPass.backward}.
         */
        List<INDArray> backward(INDArray outputGradient);
    }

    public Pass forward(List<INDArray> featureMaps, Encoder.Mode mode) {
        if (featureMaps.size() != stageStrides.length) {
            throw new IllegalArgumentException("the head was built for " + stageStrides.length + " stages but got "
                    + featureMaps.size() + " feature maps");
        }
        List<LayerPass> lateralPasses = new ArrayList<>(stages.size());
        List<INDArray> lateralOutputs = new ArrayList<>(stages.size());
        for (int i = 0; i < stages.size(); i++) {
            LayerPass p = laterals.get(i).forward(featureMaps.get(stages.get(i)), mode, 1);
            lateralPasses.add(p);
            lateralOutputs.add(p.output());
        }
        Merge.Pass merged = sum.forward(lateralOutputs);
        LayerPass top = tower.forward(merged.output(), mode, 1);
        int stageCount = stageStrides.length;
        return new Pass() {
            @Override
            public INDArray output() {
                return top.output();
            }

            @Override
            public List<INDArray> backward(INDArray outputGradient) {
                List<INDArray> perLateral = merged.backward(top.backward(outputGradient));
                List<INDArray> perStage = new ArrayList<>(java.util.Collections.nCopies(stageCount, (INDArray) null));
                for (int i = 0; i < stages.size(); i++) {
                    perStage.set(stages.get(i), lateralPasses.get(i).backward(perLateral.get(i)));
                }
                return perStage;
            }
        };
    }
}
