package dev.moco.api.kit;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An encoder pass followed by L2 normalisation: {@code normalize(f(x))} as one
 * {@link Encoder.Pass}, so callers back-propagate d loss / d normalised features directly.
 */
public final class NormalizedPass implements Encoder.Pass {
    private final Encoder.Pass raw;
    private final INDArray normalized;

    /**
     * Normalises the output of {@code raw} at once; {@link #backward} later goes through the
     * normalisation and then through {@code raw}.
     *
     * @param raw a forward pass of an encoder, whose output holds one feature row per sample,
     *     [N, C]
     * @throws IllegalArgumentException if the output of {@code raw} is not of rank 2
     */
    public NormalizedPass(Encoder.Pass raw) {
        this.raw = raw;
        this.normalized = FeatureNormalization.normalize(raw.output());
    }

    @Override
    public INDArray output() {
        return normalized;
    }

    @Override
    public void backward(INDArray gradNormalized) {
        raw.backward(FeatureNormalization.backward(raw.output(), normalized, gradNormalized));
    }
}
