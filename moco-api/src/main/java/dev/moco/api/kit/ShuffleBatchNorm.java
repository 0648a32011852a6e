package dev.moco.api.kit;

import dev.moco.api.Collective;
import dev.moco.api.Encoder;
import java.util.Arrays;
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
 * {@link #forwardAcrossWorkers} does the same over the workers of a data-parallel run, whose
 * G groups then span all workers' images.
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

    /**
     * Shuffle BN across the workers of a data-parallel run, as the reference code's
     * {@code _batch_shuffle_ddp}: every worker gathers all workers' images (N = W·n, in global
     * order), draws the same permutation of N from {@code random} as a single process would,
     * encodes its own slice of the permuted batch (rows rank·n to (rank+1)·n, which are G/W of
     * the single process's G groups) in G/W groups, gathers the outputs and un-permutes them.
     * The result is the single process's {@code forward(encoder, allImages, mode, groups,
     * random).output()} up to the order of floating-point sums, on every worker; with W = 1 it
     * is exactly that. Nothing is back-propagated through it, so it serves keys that carry no
     * gradient (a momentum key encoder). Each worker's encoder updates its batch-norm running
     * statistics from its own groups; to keep them the single process's, average them after
     * the call ({@link Collective#meanInPlace} of {@link Encoder#buffers()}).
     *
     * <pre>{@code
     * INDArray allKeys = ShuffleBatchNorm.forwardAcrossWorkers(keyEncoder, batch.keyView(), 8,
     *         StepRandom.of(seed, batch.step()), collective);     // [N, C], worker r's keys at r·n
     * }</pre>
     *
     * @param encoder the encoder to run, in {@link Encoder.Mode#TRAINING_WITHOUT_GRADIENT}
     * @param localImages this worker's n images, [n, channels, height, width]
     * @param groups G, the BN groups over all N images; a multiple of W that divides N
     * @param random the source of the permutation, the same on every worker, e.g. {@link StepRandom#of}
     * @param collective the run's workers
     * @return the encoder's output for all N images in global order, [N, C]
     * @throws IllegalArgumentException naming {@code shuffle.groups} if G is not a multiple of W
     *     or does not divide N
     */
    public static INDArray forwardAcrossWorkers(Encoder encoder, INDArray localImages, int groups,
                                                SplittableRandom random, Collective collective) {
        int groupsPerWorker = groupsPerWorker(groups, collective);
        if (collective.workers() == 1) {
            return forward(encoder, localImages, Encoder.Mode.TRAINING_WITHOUT_GRADIENT, groups, random).output();
        }
        INDArray images = collective.gatherRows(localImages);                 // [N, ...], global order
        long n = images.size(0);
        Encoder.requireGroupsDivideBatch(groups, n);
        int[] permutation = permutation((int) n, random);
        int perWorker = (int) (n / collective.workers());
        int[] ownSlice = Arrays.copyOfRange(permutation, collective.rank() * perWorker,
                (collective.rank() + 1) * perWorker);
        INDArray ownOutput = encoder.forward(rows(images, ownSlice), Encoder.Mode.TRAINING_WITHOUT_GRADIENT,
                groupsPerWorker).output();
        INDArray shuffledOutput = collective.gatherRows(ownOutput);          // [N, C], permuted order
        return rows(shuffledOutput, inverse(permutation));
    }

    /**
     * {@return G/W, the shuffle-BN groups each worker runs}
     *
     * @param groups G, the {@code shuffle.groups} of the run
     * @param collective the run's workers
     * @throws IllegalArgumentException naming {@code shuffle.groups} and W if G is not a multiple of W
     */
    public static int groupsPerWorker(int groups, Collective collective) {
        return collective.share("shuffle.groups", groups);
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

    /** out[i] = in[index[i]] along dimension 0, for any rank; out has index.length rows. */
    static INDArray rows(INDArray in, int[] index) {
        long[] shape = in.shape().clone();
        INDArray matrix = in.reshape('c', shape[0], in.length() / shape[0]);
        shape[0] = index.length;
        return Nd4j.pullRows(matrix, 1, index).reshape('c', shape);
    }
}
