package dev.moco.encoders;

import java.util.Locale;
import java.util.Properties;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything that determines a reference encoder: architecture, input channels, width,
 * head, feature dimension, initialisation seed and data type. Two encoders built from equal
 * specs have equal parameters.
 *
 * <pre>{@code
 * EncoderSpec spec = EncoderSpec.of("resnet20").withInputChannels(1).withHead(HeadType.MLP);
 * ResNetEncoder encoder = Encoders.create(spec);
 * }</pre>
 *
 * @param architecture a {@link ResNetArchitecture} name such as {@code resnet20} or {@code resnet50}
 * @param inputChannels channels of the input images (1 for Fashion-MNIST, 3 for RGB)
 * @param widthMultiplier k: CIFAR ResNets have 16k-32k-64k channels, ImageNet ResNets 64k…512k
 * @param head projection head
 * @param headHiddenDimension hidden width of the MLP head; 0 means the representation dimension
 *     (MoCo v2); ignored by the other heads
 * @param featureDimension C, the width of the contrastive features (128 in MoCo); ignored by
 *     {@link HeadType#NONE}
 * @param seed initialisation seed
 * @param dataType FLOAT for training, DOUBLE for gradient checks
 */
public record EncoderSpec(
        String architecture,
        int inputChannels,
        int widthMultiplier,
        HeadType head,
        int headHiddenDimension,
        int featureDimension,
        long seed,
        DataType dataType) {

    /** MoCo's feature dimension C. */
    public static final int DEFAULT_FEATURE_DIMENSION = 128;

    public EncoderSpec {
        ResNetArchitecture.byName(architecture);
        architecture = architecture.toLowerCase(Locale.ROOT);
        if (inputChannels <= 0) {
            throw new IllegalArgumentException("inputChannels must be positive, got " + inputChannels);
        }
        if (widthMultiplier <= 0) {
            throw new IllegalArgumentException("widthMultiplier must be positive, got " + widthMultiplier);
        }
        if (head == null) {
            throw new IllegalArgumentException("head must not be null");
        }
        if (headHiddenDimension < 0) {
            throw new IllegalArgumentException("headHiddenDimension must be 0 (= representation dimension) or positive, got "
                    + headHiddenDimension);
        }
        if (featureDimension <= 0) {
            throw new IllegalArgumentException("featureDimension must be positive, got " + featureDimension);
        }
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE && dataType != DataType.HALF
                && dataType != DataType.BFLOAT16) {
            throw new IllegalArgumentException("dataType must be a floating point type, got " + dataType);
        }
    }

    /** 3 input channels, width 1, MLP head (MoCo v2) to 128, seed 0, FLOAT. */
    public static EncoderSpec of(String architecture) {
        return new EncoderSpec(architecture, 3, 1, HeadType.MLP, 0, DEFAULT_FEATURE_DIMENSION, 0L, DataType.FLOAT);
    }

    public ResNetArchitecture resolvedArchitecture() {
        return ResNetArchitecture.byName(architecture);
    }

    /** The network this spec describes (see {@link ResNetArchitecture#topology(EncoderSpec)}). */
    public ResNetTopology topology() {
        return resolvedArchitecture().topology(this);
    }

    public EncoderSpec withInputChannels(int channels) {
        return new EncoderSpec(architecture, channels, widthMultiplier, head, headHiddenDimension, featureDimension, seed, dataType);
    }

    public EncoderSpec withWidthMultiplier(int k) {
        return new EncoderSpec(architecture, inputChannels, k, head, headHiddenDimension, featureDimension, seed, dataType);
    }

    public EncoderSpec withHead(HeadType type) {
        return new EncoderSpec(architecture, inputChannels, widthMultiplier, type, headHiddenDimension, featureDimension, seed, dataType);
    }

    public EncoderSpec withHeadHiddenDimension(int hidden) {
        return new EncoderSpec(architecture, inputChannels, widthMultiplier, head, hidden, featureDimension, seed, dataType);
    }

    public EncoderSpec withFeatureDimension(int c) {
        return new EncoderSpec(architecture, inputChannels, widthMultiplier, head, headHiddenDimension, c, seed, dataType);
    }

    public EncoderSpec withSeed(long s) {
        return new EncoderSpec(architecture, inputChannels, widthMultiplier, head, headHiddenDimension, featureDimension, s, dataType);
    }

    public EncoderSpec withDataType(DataType type) {
        return new EncoderSpec(architecture, inputChannels, widthMultiplier, head, headHiddenDimension, featureDimension, seed, type);
    }

    /** The spec as properties with keys {@code architecture}, {@code inputChannels}, … (record component names). */
    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("architecture", architecture);
        p.setProperty("inputChannels", Integer.toString(inputChannels));
        p.setProperty("widthMultiplier", Integer.toString(widthMultiplier));
        p.setProperty("head", head.name());
        p.setProperty("headHiddenDimension", Integer.toString(headHiddenDimension));
        p.setProperty("featureDimension", Integer.toString(featureDimension));
        p.setProperty("seed", Long.toString(seed));
        p.setProperty("dataType", dataType.name());
        return p;
    }

    /** Inverse of {@link #toProperties()}; a missing or malformed key is reported by name. */
    public static EncoderSpec fromProperties(Properties p) {
        return new EncoderSpec(
                required(p, "architecture"),
                Integer.parseInt(required(p, "inputChannels")),
                Integer.parseInt(required(p, "widthMultiplier")),
                HeadType.valueOf(required(p, "head")),
                Integer.parseInt(required(p, "headHiddenDimension")),
                Integer.parseInt(required(p, "featureDimension")),
                Long.parseLong(required(p, "seed")),
                DataType.valueOf(required(p, "dataType")));
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("encoder spec property '" + key + "' is missing");
        }
        return value.trim();
    }
}
