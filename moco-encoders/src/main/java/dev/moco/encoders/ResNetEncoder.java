package dev.moco.encoders;

import dev.moco.api.Encoder;
import dev.moco.encoders.nn.Layer;
import dev.moco.encoders.nn.LayerPass;
import dev.moco.encoders.nn.Linear;
import dev.moco.encoders.nn.Parameter;
import dev.moco.encoders.nn.ParameterBank;
import dev.moco.encoders.nn.Relu;
import dev.moco.encoders.nn.Sequential;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reference ResNet encoder: a {@link ResNetArchitecture} backbone and a {@link HeadType}
 * projection head, written as explicit layers over ND4J ops (readable and checked by finite
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
 * <p>Input of another data type than the spec's is cast to it.
 */
public final class ResNetEncoder implements Encoder, NamedParameters {

    private final EncoderSpec spec;
    private final ParameterBank bank = new ParameterBank();
    private final Layer backbone;
    private final Layer head;
    private final int representationDimension;
    private final int outputDimension;

    /** Builds the network and initialises it from {@code spec.seed()}. */
    public ResNetEncoder(EncoderSpec spec) {
        this(spec, true);
    }

    private ResNetEncoder(EncoderSpec spec, boolean initialise) {
        this.spec = spec;
        ResNetArchitecture architecture = spec.resolvedArchitecture();
        this.backbone = architecture.buildBackbone(bank, spec.inputChannels(), spec.widthMultiplier());
        this.representationDimension = architecture.representationDimension(spec.widthMultiplier());
        int hidden = spec.headHiddenDimension() == 0 ? representationDimension : spec.headHiddenDimension();
        switch (spec.head()) {
            case NONE -> {
                this.head = null;
                this.outputDimension = representationDimension;
            }
            case LINEAR -> {
                this.head = new Linear(bank, "fc", representationDimension, spec.featureDimension());
                this.outputDimension = spec.featureDimension();
            }
            case MLP -> {
                this.head = new Sequential(
                        new Linear(bank, "head.0", representationDimension, hidden),
                        new Relu(),
                        new Linear(bank, "head.2", hidden, spec.featureDimension()));
                this.outputDimension = spec.featureDimension();
            }
            default -> throw new IllegalArgumentException("unsupported head " + spec.head());
        }
        bank.allocate(spec.dataType(), initialise ? spec.seed() : null);
    }

    public EncoderSpec spec() {
        return spec;
    }

    @Override
    public Pass forward(INDArray input, Mode mode, int normalizationGroups) {
        INDArray x = checkedInput(input);
        if (mode != Mode.INFERENCE && (normalizationGroups < 1 || x.size(0) % normalizationGroups != 0)) {
            throw new IllegalArgumentException(normalizationGroups + " normalisation groups do not divide the batch of "
                    + x.size(0));
        }
        LayerPass features = backbone.forward(x, mode, normalizationGroups);
        LayerPass projection = head == null ? null : head.forward(features.output(), mode, normalizationGroups);
        INDArray output = projection == null ? features.output() : projection.output();
        return new Pass() {
            private boolean done;

            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public void backward(INDArray outputGradient) {
                if (mode != Mode.TRAINING) {
                    throw new IllegalStateException("this pass ran in INFERENCE mode and cannot be back-propagated");
                }
                if (done) {
                    throw new IllegalStateException("this pass was already back-propagated; run a new forward");
                }
                if (!Arrays.equals(outputGradient.shape(), output.shape())) {
                    throw new IllegalArgumentException("output gradient has shape " + Arrays.toString(outputGradient.shape())
                            + " but the output is " + Arrays.toString(output.shape()));
                }
                done = true;
                INDArray g = outputGradient.dataType() == output.dataType()
                        ? outputGradient : outputGradient.castTo(output.dataType());
                INDArray featureGradient = projection == null ? g : projection.backward(g);
                features.backward(featureGradient);
            }
        };
    }

    @Override
    public INDArray represent(INDArray input) {
        return backbone.forward(checkedInput(input), Mode.INFERENCE, 1).output();
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
        return outputDimension;
    }

    @Override
    public int representationDimension() {
        return representationDimension;
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
        Map<String, INDArray> map = new LinkedHashMap<>();
        for (Parameter p : bank.all()) {
            map.put(p.name(), p.value());
        }
        return Collections.unmodifiableMap(map);
    }

    @Override
    public Map<String, INDArray> namedGradients() {
        Map<String, INDArray> map = new LinkedHashMap<>();
        for (Parameter p : bank.all()) {
            if (p.kind() == Parameter.Kind.TRAINABLE) {
                map.put(p.name(), p.gradient());
            }
        }
        return Collections.unmodifiableMap(map);
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
