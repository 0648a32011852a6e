package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation (optionally with a fused ReLU) over blocked NCHW activations of one
 * batch size, on oneDNN, with PyTorch's conventions (ε = 1e-5, momentum 0.1, running variance
 * from the unbiased batch variance) — the same as the reference {@code BatchNorm2d}.
 *
 * <p><b>Normalisation groups</b> (shuffle BN, He et al. 2020 Sec. 3.3): because the batch
 * dimension is outermost in the blocked layout, group g of G is the contiguous slice
 * [g·N/G, (g+1)·N/G) of memory, so one primitive created for N/G images is executed G times at
 * offset addresses; each execution computes and stores that group's own mean and variance.
 * The running statistics are updated once with the mean over groups of the groups' means and
 * unbiased variances.
 *
 * <p>Per-pass state (the G means and variances and the ReLU workspace, all a backward needs
 * besides the input) lives in a caller-provided stats area of {@link #statsFloats(int)}
 * floats, so several passes can be alive at once.
 */
final class BatchNormUnit {

    static final float EPSILON = 1e-5f;
    static final float MOMENTUM = 0.1f;

    final String name;
    final int channels;
    private final long batch;
    private final long height;
    private final long width;
    private final int tag;
    private final boolean relu;
    private final INDArray gamma;
    private final INDArray beta;
    private final INDArray runningMean;
    private final INDArray runningVar;
    private final Map<Integer, Grouped> byGroups = new HashMap<>();
    private DnnlOp inference;
    private INDArray groupGradients;

    BatchNormUnit(String name, long batch, int channels, long height, long width, int tag, boolean relu,
                  INDArray gamma, INDArray beta, INDArray runningMean, INDArray runningVar) {
        this.name = name;
        this.batch = batch;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.tag = tag;
        this.relu = relu;
        this.gamma = gamma;
        this.beta = beta;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
    }

    /** Floats of per-pass state for G groups (means, variances, ReLU workspace). */
    long statsFloats(int groups) {
        Grouped g = grouped(groups);
        return groups * (2L * channels + g.workspaceFloats);
    }

    /**
     * Training-mode forward: normalises each of the G groups with its own statistics, stores
     * them in {@code stats}, and updates the running statistics.
     */
    void forwardTraining(long src, long dst, int groups, long stats) {
        Grouped g = grouped(groups);
        long groupBytes = 4L * (batch / groups) * channels * height * width;
        for (int i = 0; i < groups; i++) {
            long mean = stats + 4L * i * 2 * channels;
            g.forward.bind(0, src + i * groupBytes).bind(1, Dnnl.address(gamma)).bind(2, Dnnl.address(beta))
                    .bind(3, dst + i * groupBytes).bind(4, mean).bind(5, mean + 4L * channels);
            if (relu) {
                g.forward.bind(6, workspace(stats, groups, g, i));
            }
            g.forward.run();
        }
        updateRunningStatistics(stats, groups, (batch / groups) * height * width);
    }

    /** Inference-mode forward with the running statistics. */
    void forwardInference(long src, long dst) {
        if (inference == null) {
            dnnl_memory_desc_t data = Dnnl.md(tag, batch, channels, height, width);
            dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_forward_desc_init(desc, dnnl_forward_inference, data, EPSILON,
                    flags() | dnnl_use_global_stats), "batch_normalization_forward_desc_init " + name);
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, null, name + " inference");
            dnnl_memory_desc_t vector = Dnnl.md(dnnl_x, channels);
            inference = new DnnlOp(pd, name + " inference",
                    new int[] {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DST},
                    new dnnl_memory_desc_t[] {data, vector, vector, vector, vector, data});
        }
        inference.bind(0, src).bind(1, Dnnl.address(gamma)).bind(2, Dnnl.address(beta))
                .bind(3, Dnnl.address(runningMean)).bind(4, Dnnl.address(runningVar)).bind(5, dst).run();
    }

    /**
     * Backward of a training forward: writes d loss / d src and (overwriting) the gradients of
     * the scale and shift.
     */
    void backward(long src, long diffDst, long diffSrc, int groups, long stats, INDArray gammaGradient,
                  INDArray betaGradient) {
        Grouped g = grouped(groups);
        if (g.backward == null) {
            g.createBackward();
        }
        long groupBytes = 4L * (batch / groups) * channels * height * width;
        if (groups > 1 && groupGradients == null) {
            groupGradients = Nd4j.create(DataType.FLOAT, 2L * channels);
        }
        for (int i = 0; i < groups; i++) {
            long mean = stats + 4L * i * 2 * channels;
            boolean direct = i == 0;
            long dGamma = direct ? Dnnl.address(gammaGradient) : Dnnl.address(groupGradients);
            long dBeta = direct ? Dnnl.address(betaGradient) : Dnnl.address(groupGradients) + 4L * channels;
            g.backward.bind(0, src + i * groupBytes).bind(1, mean).bind(2, mean + 4L * channels)
                    .bind(3, diffDst + i * groupBytes).bind(4, Dnnl.address(gamma))
                    .bind(5, diffSrc + i * groupBytes).bind(6, dGamma).bind(7, dBeta).bind(8, Dnnl.address(beta));
            if (relu) {
                g.backward.bind(9, workspace(stats, groups, g, i));
            }
            g.backward.run();
            if (!direct) {
                FloatBuffer extra = Dnnl.floatBuffer(Dnnl.address(groupGradients), 2 * channels);
                FloatBuffer dg = Dnnl.floatBuffer(Dnnl.address(gammaGradient), channels);
                FloatBuffer db = Dnnl.floatBuffer(Dnnl.address(betaGradient), channels);
                for (int c = 0; c < channels; c++) {
                    dg.put(c, dg.get(c) + extra.get(c));
                    db.put(c, db.get(c) + extra.get(channels + c));
                }
            }
        }
    }

    private long workspace(long stats, int groups, Grouped g, int group) {
        return stats + 4L * (groups * 2L * channels + group * g.workspaceFloats);
    }

    private void updateRunningStatistics(long stats, int groups, long valuesPerGroup) {
        FloatBuffer s = Dnnl.floatBuffer(stats, groups * 2 * channels);
        FloatBuffer rm = Dnnl.floatBuffer(Dnnl.address(runningMean), channels);
        FloatBuffer rv = Dnnl.floatBuffer(Dnnl.address(runningVar), channels);
        double unbiased = valuesPerGroup > 1 ? (double) valuesPerGroup / (valuesPerGroup - 1) : 1.0;
        for (int c = 0; c < channels; c++) {
            double mean = 0;
            double var = 0;
            for (int i = 0; i < groups; i++) {
                mean += s.get(i * 2 * channels + c);
                var += s.get(i * 2 * channels + channels + c);
            }
            mean /= groups;
            var = var / groups * unbiased;
            rm.put(c, (float) ((1 - MOMENTUM) * rm.get(c) + MOMENTUM * mean));
            rv.put(c, (float) ((1 - MOMENTUM) * rv.get(c) + MOMENTUM * var));
        }
    }

    private int flags() {
        return dnnl_use_scale | dnnl_use_shift | (relu ? dnnl_fuse_norm_relu : 0);
    }

    private Grouped grouped(int groups) {
        if (groups < 1 || batch % groups != 0) {
            throw new IllegalArgumentException("batch norm '" + name + "': " + groups
                    + " normalisation groups do not divide the batch of " + batch);
        }
        if ((batch / groups) * height * width < 2) {
            throw new IllegalArgumentException("batch norm '" + name + "' needs more than one value per channel and group"
                    + " in training mode, got " + batch / groups + " sample(s) of " + height + "x" + width);
        }
        return byGroups.computeIfAbsent(groups, Grouped::new);
    }

    String implementations() {
        StringBuilder b = new StringBuilder();
        byGroups.forEach((groups, g) -> b.append("G=").append(groups).append(" forward=").append(g.forward.implementation())
                .append(g.backward == null ? "" : " backward=" + g.backward.implementation()).append(' '));
        return b.toString().trim();
    }

    /** The primitives for one group size N/G. */
    private final class Grouped {
        final dnnl_memory_desc_t data;
        final dnnl_primitive_desc forwardPd;
        final DnnlOp forward;
        final long workspaceFloats;
        DnnlOp backward;

        Grouped(int groups) {
            data = Dnnl.md(tag, batch / groups, channels, height, width);
            dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_forward_desc_init(desc, dnnl_forward_training, data, EPSILON, flags()),
                    "batch_normalization_forward_desc_init " + name);
            forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
            dnnl_memory_desc_t vector = Dnnl.md(dnnl_x, channels);
            if (relu) {
                dnnl_memory_desc_t ws = Dnnl.query(forwardPd, dnnl_query_workspace_md);
                workspaceFloats = (Dnnl.floats(ws) + 15) / 16 * 16;
                forward = new DnnlOp(forwardPd, name + " forward",
                        new int[] {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN,
                            DNNL_ARG_VARIANCE, DNNL_ARG_WORKSPACE},
                        new dnnl_memory_desc_t[] {data, vector, vector, data, vector, vector, ws});
            } else {
                workspaceFloats = 0;
                forward = new DnnlOp(forwardPd, name + " forward",
                        new int[] {DNNL_ARG_SRC, DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DST, DNNL_ARG_MEAN,
                            DNNL_ARG_VARIANCE},
                        new dnnl_memory_desc_t[] {data, vector, vector, data, vector, vector});
            }
        }

        void createBackward() {
            dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_backward_desc_init(desc, dnnl_backward, data, data, EPSILON, flags()),
                    "batch_normalization_backward_desc_init " + name);
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward");
            dnnl_memory_desc_t vector = Dnnl.md(dnnl_x, channels);
            int[] kinds = {DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE,
                DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT, DNNL_ARG_SHIFT};
            dnnl_memory_desc_t[] mds = {data, vector, vector, data, vector, data, vector, vector, vector};
            if (relu) {
                dnnl_memory_desc_t ws = Dnnl.query(forwardPd, dnnl_query_workspace_md);
                kinds = java.util.Arrays.copyOf(kinds, 10);
                kinds[9] = DNNL_ARG_WORKSPACE;
                mds = java.util.Arrays.copyOf(mds, 10);
                mds[9] = ws;
            }
            backward = new DnnlOp(pd, name + " backward", kinds, mds);
        }
    }
}
