package dev.moco.bench.pretrain;

import dev.moco.api.Encoder;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.Encoders;
import dev.moco.encoders.fast.FastResNet;
import java.util.Locale;

/**
 * Which implementation runs an {@link EncoderSpec}: the {@link #REFERENCE} encoders on ND4J
 * ops, or the {@link #FAST} oneDNN path for the small-input ResNets. Their flat parameter
 * layouts differ, so checkpoints record the implementation and are restored into the same.
 * The JVM property {@code moco.encoder.impl} chooses: {@code auto} (default: fast where it
 * supports the spec and oneDNN loads, else reference), {@code fast} or {@code reference}
 * ({@code JAVA_OPTS=-Dmoco.encoder.impl=reference ./moco ...}).
 */
public enum EncoderImplementation {
    REFERENCE,
    FAST;

    /** The JVM property that chooses the implementation. */
    public static final String PROPERTY = "moco.encoder.impl";

    /** The implementation {@link #PROPERTY} asks for, for this spec. */
    public static EncoderImplementation choose(EncoderSpec spec) {
        String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        return switch (wanted) {
            case "reference" -> REFERENCE;
            case "fast" -> {
                String reason = fastUnsupportedReason(spec);
                if (reason != null) {
                    throw new IllegalArgumentException("-D" + PROPERTY + "=fast, but " + reason);
                }
                yield FAST;
            }
            case "auto" -> fastUnsupportedReason(spec) == null ? FAST : REFERENCE;
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + wanted + " is not one of auto, fast, reference");
        };
    }

    /** The name recorded in checkpoints. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The implementation recorded as {@code id}. */
    public static EncoderImplementation fromId(String id) {
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown encoder implementation '" + id + "' (fast or reference)", e);
        }
    }

    /** A new encoder of {@code spec} in this implementation. */
    public Encoder create(EncoderSpec spec) {
        return this == FAST ? FastResNet.create(spec) : Encoders.create(spec);
    }

    private static String fastUnsupportedReason(EncoderSpec spec) {
        try {
            if (!FastResNet.isAvailable()) {
                return "oneDNN is not available: " + FastResNet.unavailableReason();
            }
            dev.moco.encoders.fast.FastResNetConfig.from(spec);
            return null;
        } catch (IllegalArgumentException | LinkageError e) {
            return e.getMessage();
        }
    }
}
