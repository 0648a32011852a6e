package dev.moco.bench.cli.downstream;

import dev.moco.core.run.PretrainedEncoder;
import dev.moco.encoders.EncoderSpec;
import java.nio.file.Path;

/**
 * The {@code --checkpoint} / {@code --init} argument of the evaluation and transfer commands:
 * a checkpoint or weights file (moco's, PyTorch's or safetensors), read by the library ({@link PretrainedEncoder#load(Path, String)}),
 * or {@value #RANDOM} for a freshly initialised encoder.
 */
public final class EncoderSource {

    /** The {@code --init} value for a randomly initialised encoder. */
    public static final String RANDOM = "random";

    private EncoderSource() {
    }

    /**
     * @param source a checkpoint, a weights file or {@value #RANDOM}
     * @param randomSpec the architecture of a random encoder (ignored otherwise)
     * @param implementation {@code auto}, {@code fast} or {@code reference}, for random encoders and weights files
     * @throws IllegalArgumentException if {@code source} does not exist, naming what it may be
     */
    public static PretrainedEncoder load(String source, EncoderSpec randomSpec, String implementation) {
        if (RANDOM.equals(source)) {
            return PretrainedEncoder.random(randomSpec, implementation);
        }
        try {
            return PretrainedEncoder.load(Path.of(source), implementation);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + (e.getMessage().contains("does not exist")
                    ? ", or '" + RANDOM + "'" : ""), e);
        }
    }
}
