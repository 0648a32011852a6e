package dev.moco.encoders;

import dev.moco.api.Encoder;
import dev.moco.encoders.fast.FastDenseHead;
import dev.moco.encoders.fast.FastEncoder;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Which implementation runs an {@link EncoderSpec}: the {@link #REFERENCE} encoders on ND4J
 * ops, or the {@link #FAST} oneDNN path (every ResNet of {@link ResNetArchitecture} in FLOAT).
 * Both build the same {@link ResNetTopology} with the same tensor names and flat layout, so
 * weights and checkpoints written by one load into the other. The configuration key
 * {@code encoder.impl} chooses: {@code auto} (fast where it supports the spec and oneDNN
 * loads, else reference), {@code fast} or {@code reference}.
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
        return choose(wanted, "encoder.impl", () -> fastUnsupportedReason(spec));
    }

    /**
     * The implementation {@code wanted} ({@code auto}, {@code fast} or {@code reference}) names
     * for a dense head: the fast head runs any topology wherever oneDNN loads.
     *
     * @throws IllegalArgumentException if {@code fast} is asked where oneDNN does not load, or
     *     {@code wanted} is none of the three
     */
    public static EncoderImplementation chooseForHead(String wanted) {
        return choose(wanted, "head implementation", EncoderImplementation::oneDnnUnavailableReason);
    }

    private static EncoderImplementation choose(String wanted, String setting, Supplier<String> fastUnsupported) {
        return switch (wanted.trim().toLowerCase(Locale.ROOT)) {
            case "reference" -> REFERENCE;
            case "fast" -> {
                String reason = fastUnsupported.get();
                if (reason != null) {
                    throw new IllegalArgumentException(setting + " = fast, but " + reason);
                }
                yield FAST;
            }
            case "auto" -> fastUnsupported.get() == null ? FAST : REFERENCE;
            default -> throw new IllegalArgumentException(setting + " = " + wanted + " is not one of auto, fast, reference");
        };
    }

    /** A new FLOAT dense head of {@code topology} in this implementation, initialised from {@code seed}. */
    public DenseHead createHead(DenseHeadTopology topology, long seed) {
        return this == FAST ? FastDenseHead.create(topology, seed) : new ReferenceDenseHead(topology, seed, DataType.FLOAT);
    }

    /** The name used in configuration and reports. */
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

    /** A new encoder of {@code spec} in this implementation, computing in fp32. */
    public Encoder create(EncoderSpec spec) {
        return create(spec, Precision.FP32);
    }

    /**
     * A new encoder of {@code spec} in this implementation and precision.
     *
     * @throws IllegalArgumentException for bf16 on the reference path, which computes in the spec's data type only
     */
    public Encoder create(EncoderSpec spec, Precision precision) {
        if (this == FAST) {
            return FastEncoder.create(spec, precision);
        }
        if (precision != Precision.FP32) {
            throw new IllegalArgumentException("encoder.precision = " + precision.id() + " needs the fast path, but "
                    + spec.architecture() + " runs on the reference path here (encoder.impl = auto or fast, on a CPU where oneDNN loads)");
        }
        return Encoders.create(spec);
    }

    /**
     * The implementation and spec of one of this module's ResNet encoders.
     *
     * @param encoder any encoder
     * @return its spec and implementation; empty for an encoder this module did not build
     */
    public static Optional<Built> of(Encoder encoder) {
        if (encoder instanceof FastEncoder fast) {
            return Optional.of(new Built(fast.spec(), FAST, fast.precision()));
        }
        if (encoder instanceof ResNetEncoder reference) {
            return Optional.of(new Built(reference.spec(), REFERENCE, Precision.FP32));
        }
        return Optional.empty();
    }

    /**
     * What built an encoder of this module.
     *
     * @param spec the architecture
     * @param implementation the code that runs it
     * @param precision its convolutions' arithmetic
     */
    public record Built(EncoderSpec spec, EncoderImplementation implementation, Precision precision) {
    }

    private static String fastUnsupportedReason(EncoderSpec spec) {
        String unavailable = oneDnnUnavailableReason();
        if (unavailable != null) {
            return unavailable;
        }
        try {
            return FastEncoder.unsupportedReason(spec);
        } catch (IllegalArgumentException | LinkageError e) {
            return e.getMessage();
        }
    }

    private static String oneDnnUnavailableReason() {
        try {
            return FastEncoder.isAvailable() ? null : "oneDNN is not available: " + FastEncoder.unavailableReason();
        } catch (LinkageError e) {
            return e.getMessage();
        }
    }
}
