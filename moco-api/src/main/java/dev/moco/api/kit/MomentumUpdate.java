package dev.moco.api.kit;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The momentum update of the key encoder, θk ← m·θk + (1−m)·θq (He et al. 2020, Eq. 2),
 * in place over the flat parameter views, without allocating.
 *
 * <p>Only trainable parameters are updated. Batch-norm running statistics of the key
 * encoder are not averaged: they come from the key encoder's own training-mode forward
 * passes, exactly as in the reference implementation ({@code moco/builder.py} iterates
 * {@code parameters()}, not buffers).
 *
 * <pre>{@code
 * MomentumUpdate.apply(keyEncoder, queryEncoder, 0.999);
 * }</pre>
 */
public final class MomentumUpdate {

    private MomentumUpdate() {}

    /**
     * Moves every key encoder parameter towards the query encoder's: θk ← m·θk + (1−m)·θq.
     * The query encoder is not changed.
     *
     * @param keyEncoder the key encoder f_k, whose parameters are overwritten in place
     * @param queryEncoder the query encoder f_q, with the same parameter layout
     * @param momentum m in [0, 1]; 1 leaves the key encoder as it is, 0 copies the query
     *     encoder (the paper's default is 0.999)
     * @throws IllegalArgumentException if {@code momentum} is outside [0, 1] (or NaN), or the
     *     two encoders have different numbers of parameters
     */
    public static void apply(Encoder keyEncoder, Encoder queryEncoder, double momentum) {
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("momentum m must be in [0, 1], got " + momentum);
        }
        INDArray key = keyEncoder.parameters();
        INDArray query = queryEncoder.parameters();
        if (key.length() != query.length()) {
            throw new IllegalArgumentException("key and query encoders differ: " + key.length()
                    + " vs " + query.length() + " parameters");
        }
        key.muli(momentum);
        Nd4j.getBlasWrapper().level1().axpy(key.length(), 1 - momentum, query, key);
    }
}
