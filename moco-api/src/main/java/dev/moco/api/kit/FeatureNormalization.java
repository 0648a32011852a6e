package dev.moco.api.kit;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row-wise L2 normalisation of encoder outputs, y = x / ‖x‖, with its backward. MoCo
 * normalises queries and keys before the dot products of InfoNCE (He et al. 2020, Alg. 1:
 * {@code q = normalize(f_q(x_q))}).
 *
 * <pre>{@code
 * INDArray q = FeatureNormalization.normalize(features);
 * INDArray dx = FeatureNormalization.backward(features, q, dq);
 * }</pre>
 */
public final class FeatureNormalization {

    /** Norms below this are clamped, as {@code torch.nn.functional.normalize} does. */
    static final double EPSILON = 1e-12;

    private FeatureNormalization() {}

    /**
     * Scales each row to unit L2 norm (norms below 1e-12 are clamped to it).
     *
     * @param features the encoder outputs, one row per sample, [N, C]; not modified
     * @return a new [N, C] array whose rows are those of {@code features} at unit L2 norm
     * @throws IllegalArgumentException if {@code features} is not of rank 2
     */
    public static INDArray normalize(INDArray features) {
        INDArray norms = rowNorms(features);
        return features.divColumnVector(norms);
    }

    /**
     * d loss / d features given d loss / d normalized: (dy − y·(y·dy)) / ‖x‖ per row.
     *
     * @param features the input x of {@link #normalize}, [N, C]
     * @param normalized its output y, [N, C]
     * @param gradNormalized d loss / d y, [N, C]
     * @return a new array, d loss / d x, [N, C]
     * @throws IllegalArgumentException if {@code features} is not of rank 2
     */
    public static INDArray backward(INDArray features, INDArray normalized, INDArray gradNormalized) {
        INDArray norms = rowNorms(features);
        INDArray projection = normalized.mul(gradNormalized).sum(true, 1);     // y·dy, [N,1]
        INDArray grad = gradNormalized.sub(normalized.mulColumnVector(projection));
        return grad.diviColumnVector(norms);
    }

    private static INDArray rowNorms(INDArray features) {
        if (features.rank() != 2) {
            throw new IllegalArgumentException("features must be [N, C], got shape "
                    + java.util.Arrays.toString(features.shape()));
        }
        INDArray norms = features.norm2(true, 1);
        return Nd4j.getExecutioner().exec(
                new org.nd4j.linalg.api.ops.impl.scalar.ScalarMax(norms, null, norms, EPSILON));
    }
}
