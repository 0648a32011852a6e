package dev.moco.api.kit;

import dev.moco.api.Encoder;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Shuffling BN on one device (He et al. 2020, Sec. 3.3): the key batch is permuted, run with
 * its batch split into G groups that each use their own BN statistics (one group per GPU in
 * the paper), and the output un-permuted. A query and its positive key then never share BN
 * statistics in a way the model could exploit to "cheat" the pretext task.
 *
 * <pre>{@code
 * Encoder.Pass keys = ShuffleBatchNorm.forward(keyEncoder, xk, Encoder.Mode.TRAINING, 8, random);
 * }</pre>
 *
 * The returned pass's backward permutes the gradient the same way, so it also serves the
 * end-to-end mechanism, whose keys carry gradient. With G = 1 this is a plain forward.
 */
public final class ShuffleBatchNorm {

    private ShuffleBatchNorm() {}

    /**
     * Runs {@code encoder} over a shuffled copy of {@code images} split into
     * {@code groups} BN groups, and un-shuffles its output.
     *
     * @param encoder the encoder to run, usually the key encoder
     * @param images the batch, [N, channels, height, width], with N divisible by {@code groups}
     * @param mode how batch normalisation behaves, and whether a backward pass may follow
     * @param groups G, the number of BN groups of equal size; 1 is a plain forward, which
     *     draws nothing from {@code random}
     * @param random the source of the permutation, e.g. {@link StepRandom#of}
     * @return the pass, whose output row i belongs to image i of {@code images}, and whose
     *     backward takes the gradient in that same order
     * @throws IllegalArgumentException if {@code groups} is less than 1 or does not divide N
     */
    public static Encoder.Pass forward(Encoder encoder, INDArray images, Encoder.Mode mode,
                                       int groups, SplittableRandom random) {
        long n = images.size(0);
        Encoder.requireGroupsDivideBatch(groups, n);     // before drawing a permutation of the wrong length
        if (groups == 1) {
            return encoder.forward(images, mode, 1);
        }
        int[] permutation = permutation((int) n, random);
        int[] inverse = inverse(permutation);
        Encoder.Pass shuffled = encoder.forward(rows(images, permutation), mode, groups);
        INDArray output = rows(shuffled.output(), inverse);
        return new Encoder.Pass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public void backward(INDArray outputGradient) {
                shuffled.backward(rows(outputGradient, permutation));
            }
        };
    }

    /** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
    static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    static int[] inverse(int[] permutation) {
        int[] inverse = new int[permutation.length];
        for (int i = 0; i < permutation.length; i++) {
            inverse[permutation[i]] = i;
        }
        return inverse;
    }

    /** out[i] = in[index[i]] along dimension 0, for any rank. */
    static INDArray rows(INDArray in, int[] index) {
        long[] shape = in.shape();
        INDArray matrix = in.reshape('c', shape[0], in.length() / shape[0]);
        return Nd4j.pullRows(matrix, 1, index).reshape('c', shape);
    }
}
