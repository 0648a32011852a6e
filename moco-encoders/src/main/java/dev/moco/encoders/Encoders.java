package dev.moco.encoders;

import java.util.Arrays;
import java.util.List;

/**
 * Builds reference encoders by name.
 *
 * <pre>{@code
 * ResNetEncoder r20 = Encoders.create("resnet20");                 // 3 channels, MLP head → 128
 * ResNetEncoder r50 = Encoders.create(EncoderSpec.of("resnet50").withHead(HeadType.LINEAR));
 * }</pre>
 */
public final class Encoders {

    private Encoders() {
    }

    /** An encoder with {@link EncoderSpec#of(String)}'s defaults. */
    public static ResNetEncoder create(String architecture) {
        return create(EncoderSpec.of(architecture));
    }

    public static ResNetEncoder create(EncoderSpec spec) {
        return new ResNetEncoder(spec);
    }

    /** The architecture names {@link #create(String)} accepts. */
    public static List<String> architectures() {
        return Arrays.stream(ResNetArchitecture.values()).map(ResNetArchitecture::displayName).toList();
    }
}
