package dev.moco.encoders;

import dev.moco.api.Encoder;
import dev.moco.api.FeatureMapEncoder;
import dev.moco.encoders.nn.Layer;
import dev.moco.encoders.nn.LayerPass;
import dev.moco.encoders.nn.ParameterBank;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reference ResNet encoder: the {@link ResNetTopology} of its spec (a
 * {@link ResNetArchitecture} backbone and a {@link HeadType} projection head) as explicit
 * layers over ND4J ops ({@link ResNetLayers}) (readable and checked by finite
 * differences; the oneDNN fast path is compared against it).
 *
 * <p>All trainable tensors live in one flat vector ({@link #parameters()}), their gradients in
 * another ({@link #gradients()}) and the BN running statistics in a third ({@link #buffers()});
 * the layout is the registration order of {@link #namedTensors()} (buffers skipped), the same
 * for every encoder of equal spec. Every {@link #forward} returns a pass that owns its
 * activations, so two passes can be alive and back-propagated in any order; their gradients add.
 *
 * <pre>{@code
 * ResNetEncoder fq = Encoders.create(EncoderSpec.of("resnet20").withInputChannels(1));
 * Encoder fk = fq.copy();
 * fq.zeroGradients();
 * Encoder.Pass q = fq.forward(images, Encoder.Mode.TRAINING);
 * q.backward(dLossDq);
 * }</pre>
 *
 * <p>As a {@link FeatureMapEncoder} it returns every stage's output (C2–C5 for the ImageNet
 * layout, the three stages of the small-input nets) and back-propagates gradients arriving at
 * any of them and at the pooled vector; a stage deeper than every arriving gradient is not
 * back-propagated at all.
 *
 * <p>Input of another data type than the spec's is cast to it.
 */
public final class ResNetEncoder implements FeatureMapEncoder, NamedParameters {

    private final EncoderSpec spec;
    private final ResNetTopology topology;
    private final ParameterBank bank = new ParameterBank();
    private final ResNetLayers layers;

    /** Builds the network and initialises it from {@code spec.seed()}. */
    public ResNetEncoder(EncoderSpec spec) {
        this(spec, true);
    }

    private ResNetEncoder(EncoderSpec spec, boolean initialise) {
        this.spec = spec;
        this.topology = spec.topology();
        this.layers = ResNetLayers.build(topology, bank);
        bank.allocate(spec.dataType(), initialise ? spec.seed() : null);
    }

    public EncoderSpec spec() {
        return spec;
    }

    /** The network description this encoder was built from. */
    public ResNetTopology topology() {
        return topology;
    }

    @Override
    public Pass forward(INDArray input, Mode mode, int normalizationGroups) {
        BackbonePass features = runBackbone(input, mode, normalizationGroups);
        LayerPass projection = layers.head() == null ? null : layers.head().forward(features.pooled(), mode, normalizationGroups);
        INDArray output = projection == null ? features.pooled() : projection.output();
        return new Pass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public void backward(INDArray outputGradient) {
                features.requireBackwardPossible();
                if (!Arrays.equals(outputGradient.shape(), output.shape())) {
                    throw new IllegalArgumentException("output gradient has shape " + Arrays.toString(outputGradient.shape())
                            + " but the output is " + Arrays.toString(output.shape()));
                }
                INDArray g = outputGradient.dataType() == output.dataType()
                        ? outputGradient : outputGradient.castTo(output.dataType());
                features.backward(null, projection == null ? g : projection.backward(g));
            }
        };
    }

    @Override
    public FeatureMapPass forwardFeatureMaps(INDArray input, Mode mode, int normalizationGroups) {
        return runBackbone(input, mode, normalizationGroups);
    }

    @Override
    public int stageCount() {
        return topology.stageCount();
    }

    @Override
    public int[] stageChannels() {
        return topology.stageChannels();
    }

    @Override
    public int[] stageStrides() {
        return topology.stageStrides();
    }

    @Override
    public INDArray represent(INDArray input) {
        return runBackbone(input, Mode.INFERENCE, 1).pooled();
    }

    private BackbonePass runBackbone(INDArray input, Mode mode, int normalizationGroups) {
        INDArray x = checkedInput(input);
        if (mode != Mode.INFERENCE) {
            Encoder.requireGroupsDivideBatch(normalizationGroups, x.size(0));
        }
        LayerPass stem = layers.stem().forward(x, mode, normalizationGroups);
        List<LayerPass> stages = new ArrayList<>();
        INDArray features = stem.output();
        for (Layer stage : layers.stages()) {
            LayerPass pass = stage.forward(features, mode, normalizationGroups);
            stages.add(pass);
            features = pass.output();
        }
        return new BackbonePass(mode, stem, stages, layers.pool().forward(features, mode, normalizationGroups));
    }

    /** The backbone part of a pass: stem, stages and pooling, back-propagated from any of them. */
    private static final class BackbonePass implements FeatureMapPass {
        private final Mode mode;
        private final LayerPass stem;
        private final List<LayerPass> stages;
        private final LayerPass pool;
        private final List<INDArray> featureMaps;
        private boolean done;

        BackbonePass(Mode mode, LayerPass stem, List<LayerPass> stages, LayerPass pool) {
            this.mode = mode;
            this.stem = stem;
            this.stages = stages;
            this.pool = pool;
            this.featureMaps = stages.stream().map(LayerPass::output).toList();
        }

        @Override
        public List<INDArray> featureMaps() {
            return featureMaps;
        }

        @Override
        public INDArray pooled() {
            return pool.output();
        }

        void requireBackwardPossible() {
            if (mode != Mode.TRAINING) {
                throw new IllegalStateException("this pass ran in " + mode + " mode and cannot be back-propagated");
            }
            if (done) {
                throw new IllegalStateException("this pass was already back-propagated; run a new forward");
            }
        }

        @Override
        public void backward(List<INDArray> featureMapGradients, INDArray pooledGradient) {
            requireBackwardPossible();
            if (featureMapGradients != null && featureMapGradients.size() != stages.size()) {
                throw new IllegalArgumentException(featureMapGradients.size() + " feature-map gradients for "
                        + stages.size() + " stages (use null entries for stages without gradient)");
            }
            done = true;
            DataType type = pooled().dataType();
            INDArray g = pooledGradient == null ? null : pool.backward(checked(pooledGradient, pooled(), "pooled", type));
            for (int s = stages.size() - 1; s >= 0; s--) {
                INDArray arriving = featureMapGradients == null ? null : featureMapGradients.get(s);
                if (arriving != null) {
                    INDArray a = checked(arriving, featureMaps.get(s), "stage " + s, type);
                    g = g == null ? a : g.add(a);
                }
                if (g != null) {
                    g = stages.get(s).backward(g);
                }
            }
            if (g != null) {
                stem.backward(g);
            }
        }

        private static INDArray checked(INDArray gradient, INDArray like, String where, DataType type) {
            if (!Arrays.equals(gradient.shape(), like.shape())) {
                throw new IllegalArgumentException("gradient at " + where + " has shape " + Arrays.toString(gradient.shape())
                        + " but the output there is " + Arrays.toString(like.shape()));
            }
            return gradient.dataType() == type ? gradient : gradient.castTo(type);
        }
    }

    private INDArray checkedInput(INDArray input) {
        if (input.rank() != 4 || input.size(1) != spec.inputChannels()) {
            throw new IllegalArgumentException(spec.architecture() + " expects images [N, " + spec.inputChannels()
                    + ", H, W] but got " + Arrays.toString(input.shape()));
        }
        return input.dataType() == spec.dataType() ? input : input.castTo(spec.dataType());
    }

    @Override
    public int outputDimension() {
        return topology.outputDimension();
    }

    @Override
    public int representationDimension() {
        return topology.representationDimension();
    }

    @Override
    public INDArray parameters() {
        return bank.parameters();
    }

    @Override
    public INDArray gradients() {
        return bank.gradients();
    }

    @Override
    public void zeroGradients() {
        bank.gradients().assign(0);
    }

    @Override
    public INDArray buffers() {
        return bank.buffers();
    }

    @Override
    public ResNetEncoder copy() {
        ResNetEncoder copy = new ResNetEncoder(spec, false);
        copy.parameters().assign(parameters());
        copy.buffers().assign(buffers());
        return copy;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Views in PyTorch layouts; see {@link NamedParameters} and {@link ResNetArchitecture}
     * for the names. Backbone tensors are those not starting with {@code fc.} or {@code head.}.
     */
    @Override
    public Map<String, INDArray> namedTensors() {
        return bank.valuesByName();
    }

    @Override
    public Map<String, INDArray> namedGradients() {
        return bank.trainableViewsOf(bank.gradients());
    }

    /** Whether a tensor name belongs to the projection head rather than the backbone. */
    public static boolean isHeadTensor(String name) {
        return name.startsWith("fc.") || name.startsWith("head.");
    }

    @Override
    public String toString() {
        return "ResNetEncoder(" + spec + ", " + parameters().length() + " parameters)";
    }
}
