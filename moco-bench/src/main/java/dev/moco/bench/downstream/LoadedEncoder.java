package dev.moco.bench.downstream;

import dev.moco.api.Encoder;
import dev.moco.core.data.augment.Normalize;
import dev.moco.encoders.EncoderSpec;
import java.util.Optional;

/**
 * An encoder read from what {@code --checkpoint} / {@code --init} names.
 *
 * @param encoder the network, with the stored parameters and BN statistics
 * @param spec its architecture
 * @param normalize the input normalisation it was trained with, when the file records one
 * @param imageSize the image side it was trained at, when the file records one
 * @param description one line for the console: what was loaded from where
 */
public record LoadedEncoder(Encoder encoder, EncoderSpec spec, Optional<Normalize> normalize, Optional<Integer> imageSize,
        String description) {
}
