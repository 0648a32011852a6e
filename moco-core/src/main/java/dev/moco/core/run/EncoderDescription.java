package dev.moco.core.run;

import dev.moco.api.Encoder;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a checkpoint records of the query encoder's architecture, as properties, so that a
 * resumed run can tell it was given another encoder: the command line records the
 * {@code EncoderSpec} and the implementation, a library user's encoder its class and sizes.
 *
 * @param properties the description, by key
 */
public record EncoderDescription(Map<String, String> properties) {

    /**
     * The key of the implementation that wrote a checkpoint (fast or reference), recorded for
     * information only: implementations of one architecture share one parameter layout, so a
     * checkpoint of either resumes in the other, and {@link #sameEncoderAs} ignores it.
     */
    public static final String IMPLEMENTATION = "implementation";

    /**
     * The key of the convolutions' precision (recorded only when it is not fp32), for
     * information too: bf16 and fp32 runs keep the same f32 parameters, so either resumes the other.
     */
    public static final String PRECISION = "precision";

    /** @param properties the description, copied and sorted by key */
    public EncoderDescription {
        properties = Map.copyOf(new TreeMap<>(properties));
    }

    /**
     * @param encoder any encoder
     * @return its class, output and representation widths, and parameter and buffer counts
     */
    public static EncoderDescription of(Encoder encoder) {
        return new EncoderDescription(Map.of(
                "class", encoder.getClass().getName(),
                "outputDimension", Integer.toString(encoder.outputDimension()),
                "representationDimension", Integer.toString(encoder.representationDimension()),
                "parameters", Long.toString(encoder.parameters().length()),
                "buffers", Long.toString(encoder.buffers().length())));
    }

    /**
     * @param other another description
     * @return whether both describe the same encoder, whichever implementation wrote them
     */
    public boolean sameEncoderAs(EncoderDescription other) {
        return withoutImplementation().equals(other.withoutImplementation());   // and without the precision
    }

    private Map<String, String> withoutImplementation() {
        Map<String, String> m = new TreeMap<>(properties);
        m.remove(IMPLEMENTATION);
        m.remove(PRECISION);
        return m;
    }
}
