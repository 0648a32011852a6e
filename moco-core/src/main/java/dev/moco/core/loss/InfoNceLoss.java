package dev.moco.core.loss;

import dev.moco.api.ContrastiveLoss;
import dev.moco.api.InBatchKeys;
import dev.moco.api.SharedNegatives;
import dev.moco.api.kit.StepWorkspace;
import java.util.Arrays;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * InfoNCE (He et al. 2020, Eq. 1; van den Oord et al. 2018):
 * <pre>
 *   L_q = −log exp(q·k+/τ) / (exp(q·k+/τ) + Σ_k− exp(q·k−/τ))
 * </pre>
 * i.e. cross-entropy with label 0 over logits [q·k+ | q·negatives]/τ, averaged over the
 * batch.
 *
 * <p>The positive column and the K negative columns are kept apart instead of concatenated
 * into one [N, K+1] array: the log-sum-exp and the softmax are taken over both, which is the
 * same arithmetic without copying the large q·negativesᵀ block.
 *
 * <p>The [N, K] logits block is kept between calls and written by one GEMM, so a step at
 * K = 65536 neither allocates nor copies it; an instance is therefore not for concurrent use.
 *
 * <p>In-batch negatives ({@link InBatchKeys}, end-to-end): the
 * logits are the [N, N] matrix q·kᵀ/τ and query i's label is i, its diagonal. Row i holds
 * q_i·k_i (the positive) and q_i·k_j for the N−1 other keys (its negatives), so this is
 * the cross-entropy of [q_i·k_i | q_i·k_j≠i]/τ with label 0 up to the order of columns, which
 * cross-entropy does not depend on.
 *
 * <pre>{@code
 * ContrastiveLoss loss = new InfoNceLoss(0.07);
 * ContrastiveLoss.Result r = loss.compute(q, queueContrast);             // SharedNegatives
 * ContrastiveLoss.InBatchResult e = loss.compute(q, endToEndContrast);    // InBatchKeys: e.keyGradient()
 * }</pre>
 */
public final class InfoNceLoss implements ContrastiveLoss {
    private final double temperature;
    /** The q·negativesᵀ block, reused from step to step: at K=65536 it is 64 MiB. */
    private INDArray logits;

    public InfoNceLoss(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        this.temperature = temperature;
    }

    public double temperature() {
        return temperature;
    }

    @Override
    public Result compute(INDArray queries, SharedNegatives contrast) {
        requireSameShape(queries, contrast.positives());
        return sharedNegatives(queries, contrast.positives(), contrast.negatives());
    }

    @Override
    public InBatchResult compute(INDArray queries, InBatchKeys contrast) {
        requireSameShape(queries, contrast.positives());
        return inBatch(queries, contrast.positives());
    }

    private static void requireSameShape(INDArray queries, INDArray positives) {
        if (!Arrays.equals(queries.shape(), positives.shape())) {
            throw new IllegalArgumentException("queries " + Arrays.toString(queries.shape())
                    + " and positive keys " + Arrays.toString(positives.shape()) + " differ in shape");
        }
    }

    private Result sharedNegatives(INDArray q, INDArray positives, INDArray negatives) {
        long n = q.size(0);
        double invT = 1.0 / temperature;
        INDArray positive = q.mul(positives).sum(true, 1).muli(invT);               // [N,1]  q·k+/τ
        INDArray negative = logitsBuffer(q, n, negatives.size(0));
        Nd4j.gemm(q, negatives, negative, false, true, invT, 0.0);                  // [N,K]  q·k−/τ
        INDArray negativeMax = negative.max(true, 1);
        double correct = positive.gt(negativeMax).castTo(q.dataType()).sumNumber().doubleValue();
        INDArray max = Transforms.max(negativeMax, positive, false);                // [N,1]
        INDArray expPositive = Transforms.exp(positive.sub(max), false);
        Transforms.exp(negative.subiColumnVector(max), false);                       // in place: exp(l−max)
        INDArray total = negative.sum(true, 1).addi(expPositive);                   // [N,1]
        // loss_i = log Σ exp(l − max) + max − l_pos
        double loss = Transforms.log(total, true).addi(max).subi(positive).sumNumber().doubleValue() / n;

        // d loss / d logits = (softmax − onehot(0)) / N; then through the 1/τ scaling.
        double scale = invT / n;
        INDArray dPositive = expPositive.divi(total).subi(1).muli(scale);           // [N,1]
        INDArray dNegative = negative.diviColumnVector(total).muli(scale);          // [N,K]
        INDArray dq = dNegative.mmul(negatives).addi(positives.mulColumnVector(dPositive));
        return new SharedResult(loss, correct / n, dq);
    }

    private InBatchResult inBatch(INDArray q, INDArray k) {
        long n = q.size(0);
        double invT = 1.0 / temperature;
        INDArray logits = q.mmul(k.transpose()).muli(invT);                         // [N,N], labels on the diagonal
        INDArray diagonal = Nd4j.createFromArray(diagonalOf(logits)).castTo(q.dataType()).reshape(n, 1);
        INDArray max = logits.max(true, 1);
        double correct = n - max.gt(diagonal).castTo(q.dataType()).sumNumber().doubleValue();
        INDArray exp = Transforms.exp(logits.subiColumnVector(max), false);
        INDArray total = exp.sum(true, 1);
        double loss = Transforms.log(total, true).addi(max).subi(diagonal).sumNumber().doubleValue() / n;

        INDArray dLogits = exp.diviColumnVector(total);
        for (long i = 0; i < n; i++) {
            dLogits.putScalar(i, i, dLogits.getDouble(i, i) - 1);
        }
        dLogits.muli(invT / n);
        INDArray dq = dLogits.mmul(k);
        INDArray dk = dLogits.transpose().mmul(q);
        return new KeyGradientResult(loss, correct / n, dq, dk);
    }

    private INDArray logitsBuffer(INDArray q, long n, long k) {
        if (logits == null || logits.size(0) != n || logits.size(1) != k || logits.dataType() != q.dataType()) {
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // kept from step to step
                logits = Nd4j.createUninitialized(q.dataType(), n, k);
            }
        }
        return logits;
    }

    private static double[] diagonalOf(INDArray square) {
        double[] d = new double[(int) square.size(0)];
        for (int i = 0; i < d.length; i++) {
            d[i] = square.getDouble(i, i);
        }
        return d;
    }

    private record SharedResult(double loss, double accuracy, INDArray queryGradient) implements Result {}

    private record KeyGradientResult(double loss, double accuracy, INDArray queryGradient, INDArray keyGradient)
            implements InBatchResult {}
}
