package dev.moco.core.run;

import dev.moco.api.Encoder;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointException;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.run.EncoderDescription;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.Precision;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The query encoder a configuration names (from {@code encoder}, {@code encoder.width},
 * {@code head}, {@code head.hidden}, {@code feature.dim}, {@code seed}, and
 * {@code encoder.impl} for the code that runs it). {@link Pretraining} trains it when no
 * encoder is given; checkpoints record its {@link #description()}.
 *
 * <pre>{@code
 * ConfiguredEncoder configured = ConfiguredEncoder.from(config, train.channels());
 * Encoder encoder = configured.create();
 * }</pre>
 *
 * @param spec the query encoder's specification (recorded in checkpoints)
 * @param implementation which code runs the encoder (see {@link EncoderImplementation})
 * @param precision the convolutions' arithmetic ({@code encoder.precision}; bf16 on the fast path only)
 */
public record ConfiguredEncoder(EncoderSpec spec, EncoderImplementation implementation, Precision precision) {

    /** The key under which checkpoints record the implementation, next to the spec's properties. */
    static final String IMPLEMENTATION = EncoderDescription.IMPLEMENTATION;
    /** Where checkpoints written before the encoder description recorded it. */
    private static final String LEGACY_IMPLEMENTATION = "encoder-implementation";

    /**
     * @param config the validated configuration
     * @param channels the training images' channels
     * @return the encoder the configuration names, for images of {@code channels}
     * @throws IllegalArgumentException if the configuration names an unknown encoder
     */
    public static ConfiguredEncoder from(MocoConfig config, int channels) {
        EncoderSpec spec = EncoderSpec.of(config.getString(MocoConfig.ENCODER))
                .withInputChannels(channels)
                .withWidthMultiplier(config.getInt(MocoConfig.ENCODER_WIDTH))
                .withHead(HeadType.valueOf(config.getString(MocoConfig.HEAD).toUpperCase(Locale.ROOT)))
                .withHeadHiddenDimension(config.getInt(MocoConfig.HEAD_HIDDEN))
                .withFeatureDimension(config.getInt(MocoConfig.FEATURE_DIM))
                .withSeed(config.getLong(MocoConfig.SEED));
        EncoderImplementation implementation = EncoderImplementation.choose(spec, config.getString(MocoConfig.ENCODER_IMPLEMENTATION));
        Precision precision = Precision.fromId(config.getString(MocoConfig.ENCODER_PRECISION));
        if (precision != Precision.FP32 && implementation != EncoderImplementation.FAST) {
            throw new IllegalArgumentException(MocoConfig.ENCODER_PRECISION + " = " + precision.id() + " needs the fast path, but "
                    + spec.architecture() + " runs on the reference path here (" + MocoConfig.ENCODER_IMPLEMENTATION + " = "
                    + config.getString(MocoConfig.ENCODER_IMPLEMENTATION) + ")");
        }
        return new ConfiguredEncoder(spec, implementation, precision);
    }

    /**
     * @param checkpoint a checkpoint the command line wrote
     * @return the encoder it was written for (the reference implementation for checkpoints that name none)
     * @throws CheckpointException if it holds no valid encoder specification
     */
    public static ConfiguredEncoder of(Checkpoint checkpoint) {
        Map<String, String> description = CheckpointContents.encoderDescription(checkpoint).properties();
        Properties p = new Properties();
        p.putAll(description);
        try {
            String implementation = description.containsKey(IMPLEMENTATION) ? description.get(IMPLEMENTATION)
                    : checkpoint.property(LEGACY_IMPLEMENTATION).orElse(EncoderImplementation.REFERENCE.id());
            Precision precision = Precision.fromId(description.getOrDefault(EncoderDescription.PRECISION, Precision.FP32.id()));
            return new ConfiguredEncoder(EncoderSpec.fromProperties(p), EncoderImplementation.fromId(implementation), precision);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint has no valid encoder specification: " + e.getMessage(), e);
        }
    }

    /**
     * What checkpoints record of any encoder: the spec and implementation of one of
     * moco-encoders' ResNets (so that {@link PretrainedEncoder#load(java.nio.file.Path)} can
     * rebuild it), the class and sizes of any other.
     *
     * @param encoder the query encoder of a run
     * @return its description
     */
    public static EncoderDescription describe(Encoder encoder) {
        return EncoderImplementation.of(encoder)
                .map(built -> new ConfiguredEncoder(built.spec(), built.implementation(), built.precision()).description())
                .orElseGet(() -> EncoderDescription.of(encoder));
    }

    /** {@return a new encoder of this specification and implementation} */
    public Encoder create() {
        return implementation.create(spec, precision);
    }

    /** {@return what checkpoints record: the spec's properties and the implementation} */
    public EncoderDescription description() {
        Map<String, String> properties = new LinkedHashMap<>();
        spec.toProperties().forEach((k, v) -> properties.put(k.toString(), v.toString()));
        properties.put(IMPLEMENTATION, implementation.id());
        if (precision != Precision.FP32) {
            properties.put(EncoderDescription.PRECISION, precision.id());
        }
        return new EncoderDescription(properties);
    }
}
