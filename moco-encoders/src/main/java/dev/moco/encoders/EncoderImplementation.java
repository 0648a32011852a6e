package dev.moco.encoders;

import dev.moco.api.Encoder;
import dev.moco.encoders.fast.FastResNet;
import dev.moco.encoders.fast.FastResNetConfig;
import java.util.Locale;

/**
 * Which implementation runs an {@link EncoderSpec}: the {@link #REFERENCE} encoders on ND4J
 * ops, or the {@link #FAST} oneDNN path for the small-input ResNets. Their flat parameter
 * layouts differ, so checkpoints record the implementation and are restored into the same.
 * The configuration key {@code encoder.impl} chooses: {@code auto} (fast where it supports
 * the spec and oneDNN loads, else reference), {@code fast} or {@code reference}.
 *
 * <pre>{@code
 * Encoder encoder = EncoderImplementation.choose(spec, "auto").create(spec);
 * }</pre>
 */
public enum EncoderImplementation {
    REFERENCE,
    FAST;

    /**
     * The implementation {@code wanted} ({@code auto}, {@code fast} or {@code reference})
     * names, for this spec.
     *
     * @throws IllegalArgumentException if {@code fast} is asked for a spec it does not support,
     *     or {@code wanted} is none of the three
     */
    public static EncoderImplementation choose(EncoderSpec spec, String wanted) {
        return switch (wanted.trim().toLowerCase(Locale.ROOT)) {
            case "reference" -> REFERENCE;
            case "fast" -> {
                String reason = fastUnsupportedReason(spec);
                if (reason != null) {
                    throw new IllegalArgumentException("encoder.impl = fast, but " + reason);
                }
                yield FAST;
            }
            case "auto" -> fastUnsupportedReason(spec) == null ? FAST : REFERENCE;
            default -> throw new IllegalArgumentException("encoder.impl = " + wanted + " is not one of auto, fast, reference");
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
            FastResNetConfig.from(spec);
            return null;
        } catch (IllegalArgumentException | LinkageError e) {
            return e.getMessage();
        }
    }
}
