package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.moco.api.Encoder;
import dev.moco.api.kit.StepWorkspace;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation (optionally with a fused ReLU) over blocked NCHW activations of one
 * batch size, on oneDNN, with PyTorch's conventions (ε = 1e-5, momentum 0.1, running variance
 * from the unbiased batch variance) — the same as the reference {@code BatchNorm2d}.
 *
 * <p><b>Normalisation groups</b> (shuffle BN, He et al. 2020 Sec. 3.3) with one primitive call:
 * the encoder stores a G-group batch <i>interleaved</i> — image i of group g at batch position
 * i·G + g — so that in the blocked layout {@code nChw16c} the tensor [N, C, H, W] has exactly the
 * memory of a tensor [N/G, G·C, H, W] whose channel g·C + c is channel c of group g. One batch
 * normalisation over that view, with γ and β repeated G times, computes every group's own
 * per-channel statistics (over N/G·H·W values) in a single call; the G·C gradients of the
 * repeated γ and β are summed over the groups. The running statistics are updated once with
 * the mean over groups of the groups' means and unbiased variances (as the reference).
 *
 * <p>Per-pass state (the G means and variances and the ReLU workspace, all a backward needs
 * besides the input) lives in the pass's state area of {@link #stateFloats(int)} floats, so
 * several passes can be alive at once.
 */
final class BatchNormUnit extends AbstractUnit {

    static final float EPSILON = 1e-5f;
    static final float MOMENTUM = 0.1f;

    private final String name;
    private final int channels;
    private final long batch;
    private final long height;
    private final long width;
    private final int tag;
    private final boolean relu;
    private final INDArray gamma;
    private final INDArray beta;
    private final INDArray runningMean;
    private final INDArray runningVar;
    private final INDArray gammaGradient;
    private final INDArray betaGradient;
    private final Map<Integer, Grouped> byGroups = new HashMap<>();
    private DnnlOp inference;

    /**
     * @param gamma {@code <name>.weight}, directly followed by {@code beta} in the parameter vector
     * @param gammaGradient its view in the gradient vector, likewise followed by {@code betaGradient}
     */
    BatchNormUnit(String name, Activation input, Activation output, boolean relu, INDArray gamma, INDArray beta,
                  INDArray runningMean, INDArray runningVar, INDArray gammaGradient, INDArray betaGradient) {
        super(name, List.of(input), output);
        this.name = name;
        this.batch = input.batch();
        this.channels = (int) input.channels();
        this.height = input.height();
        this.width = input.width();
        this.tag = input.tag();
        this.relu = relu;
        this.gamma = gamma;
        this.beta = beta;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
        this.gammaGradient = gammaGradient;
        this.betaGradient = betaGradient;
    }

    @Override
    public boolean backwardReadsInput(int i) {
        return true;
    }

    @Override
    public List<INDArray> parameterGradients() {
        return List.of(gammaGradient, betaGradient);
    }

    @Override
    public void forward(UnitAddresses a, int groups) {
        if (groups > 0) {
            forwardTraining(a.inputs[0], a.output, groups, a.state);
        } else {
            forwardInference(a.inputs[0], a.output);
        }
    }

    @Override
    public void backward(UnitAddresses a, int groups) {
        backward(a.inputs[0], a.outputGradient, a.inputGradients[0], groups, a.state);
    }

    /** Floats of per-pass state for G groups (means, variances, ReLU workspace). */
    @Override
    public long stateFloats(int groups) {
        if (groups == 0) {
            return 0;
        }
        Grouped g = grouped(groups);
        return 2L * groups * channels + g.workspaceFloats;
    }

    /**
     * Training-mode forward: normalises each of the G groups with its own statistics, stores
     * them in {@code stats} (G·C means, then G·C variances, then the ReLU workspace), and
     * updates the running statistics. For G &gt; 1 the batch must be stored group-interleaved
     * (see the class comment).
     */
    private void forwardTraining(long src, long dst, int groups, long stats) {
        Grouped g = grouped(groups);
        long scale = g.prepareScaleShift();
        g.forward.bind(0, src).bind(1, scale).bind(2, scale + (long) Float.BYTES * groups * channels).bind(3, dst)
                .bind(4, stats).bind(5, stats + (long) Float.BYTES * groups * channels);
        if (relu) {
            g.forward.bind(6, stats + 2L * Float.BYTES * groups * channels);
        }
        g.forward.run();
        updateRunningStatistics(stats, groups, (batch / groups) * height * width);
    }

    /** Inference-mode forward with the running statistics. */
    private void forwardInference(long src, long dst) {
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
     * the scale and shift, summed over the groups.
     */
    private void backward(long src, long diffDst, long diffSrc, int groups, long stats) {
        Grouped g = grouped(groups);
        if (g.backward == null) {
            g.createBackward();
        }
        long scale = g.prepareScaleShift();
        long dScale = groups == 1 ? Dnnl.address(gammaGradient) : Dnnl.address(g.groupGradients);
        long dShift = groups == 1 ? Dnnl.address(betaGradient) : dScale + (long) Float.BYTES * groups * channels;
        g.backward.bind(0, src).bind(1, stats).bind(2, stats + (long) Float.BYTES * groups * channels).bind(3, diffDst)
                .bind(4, scale).bind(5, diffSrc).bind(6, dScale).bind(7, dShift)
                .bind(8, scale + (long) Float.BYTES * groups * channels);
        if (relu) {
            g.backward.bind(9, stats + 2L * Float.BYTES * groups * channels);
        }
        g.backward.run();
        if (groups > 1) {
            FloatBuffer perGroup = Dnnl.floatBuffer(Dnnl.address(g.groupGradients), 2L * groups * channels);
            FloatBuffer dg = Dnnl.floatBuffer(Dnnl.address(gammaGradient), channels);
            FloatBuffer db = Dnnl.floatBuffer(Dnnl.address(betaGradient), channels);
            for (int c = 0; c < channels; c++) {
                float sg = 0;
                float sb = 0;
                for (int i = 0; i < groups; i++) {
                    sg += perGroup.get(i * channels + c);
                    sb += perGroup.get(groups * channels + i * channels + c);
                }
                dg.put(c, sg);
                db.put(c, sb);
            }
        }
    }

    private void updateRunningStatistics(long stats, int groups, long valuesPerGroup) {
        FloatBuffer s = Dnnl.floatBuffer(stats, 2L * groups * channels);
        FloatBuffer rm = Dnnl.floatBuffer(Dnnl.address(runningMean), channels);
        FloatBuffer rv = Dnnl.floatBuffer(Dnnl.address(runningVar), channels);
        double unbiased = valuesPerGroup > 1 ? (double) valuesPerGroup / (valuesPerGroup - 1) : 1.0;
        for (int c = 0; c < channels; c++) {
            double mean = 0;
            double var = 0;
            for (int i = 0; i < groups; i++) {
                mean += s.get(i * channels + c);
                var += s.get(groups * channels + i * channels + c);
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
        Encoder.requireGroupsDivideBatch(groups, batch);
        if ((batch / groups) * height * width < 2) {
            throw new IllegalArgumentException("batch norm '" + name + "' needs more than one value per channel and group"
                    + " in training mode, got " + batch / groups + " sample(s) of " + height + "x" + width);
        }
        return byGroups.computeIfAbsent(groups, Grouped::new);
    }

    @Override
    public String implementations() {
        StringBuilder b = new StringBuilder();
        byGroups.forEach((groups, g) -> b.append("G=").append(groups).append(" forward=").append(g.forward.implementation())
                .append(g.backward == null ? "" : " backward=" + g.backward.implementation()).append(' '));
        return b.toString().trim();
    }

    /**
     * The primitives for G groups: one batch normalisation over the group-interleaved batch
     * viewed as [N/G, G·C, H, W], with the scale and shift repeated G times.
     */
    private final class Grouped {
        final int groups;
        final dnnl_memory_desc_t data;
        final dnnl_memory_desc_t vector;
        final dnnl_primitive_desc forwardPd;
        final DnnlOp forward;
        final long workspaceFloats;
        /** For G &gt; 1: γ then β, each repeated G times; and the per-group scale/shift gradients. */
        final INDArray scaleShift;
        final INDArray groupGradients;
        DnnlOp backward;

        Grouped(int groups) {
            this.groups = groups;
            data = Dnnl.md(tag, batch / groups, (long) groups * channels, height, width);
            vector = Dnnl.md(dnnl_x, (long) groups * channels);
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // created by the first step, kept
                scaleShift = groups == 1 ? null : Nd4j.create(DataType.FLOAT, 2L * groups * channels);
                groupGradients = groups == 1 ? null : Nd4j.create(DataType.FLOAT, 2L * groups * channels);
            }
            dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_forward_desc_init(desc, dnnl_forward_training, data, EPSILON, flags()),
                    "batch_normalization_forward_desc_init " + name);
            forwardPd = Dnnl.primitiveDesc(desc, null, null, name + " forward");
            if (relu) {
                dnnl_memory_desc_t ws = Dnnl.query(forwardPd, dnnl_query_workspace_md);
                workspaceFloats = Dnnl.floats(ws);
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

        /** The address of the scale, followed by the shift (G·C floats each). */
        long prepareScaleShift() {
            if (groups == 1) {
                if (Dnnl.address(beta) != Dnnl.address(gamma) + (long) Float.BYTES * channels) {
                    throw new IllegalStateException("batch norm '" + name + "': weight and bias must be adjacent in the"
                            + " parameter vector");
                }
                return Dnnl.address(gamma);
            }
            FloatBuffer out = Dnnl.floatBuffer(Dnnl.address(scaleShift), 2L * groups * channels);
            FloatBuffer w = Dnnl.floatBuffer(Dnnl.address(gamma), channels);
            FloatBuffer b = Dnnl.floatBuffer(Dnnl.address(beta), channels);
            for (int i = 0; i < groups; i++) {
                for (int c = 0; c < channels; c++) {
                    out.put(i * channels + c, w.get(c));
                    out.put(groups * channels + i * channels + c, b.get(c));
                }
            }
            return Dnnl.address(scaleShift);
        }

        void createBackward() {
            dnnl_batch_normalization_desc_t desc = new dnnl_batch_normalization_desc_t();
            Dnnl.check(dnnl_batch_normalization_backward_desc_init(desc, dnnl_backward, data, data, EPSILON, flags()),
                    "batch_normalization_backward_desc_init " + name);
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, forwardPd, name + " backward");
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

    @Override
    public void close() {
        super.close();
        Resources.close(inference);
        for (Grouped g : byGroups.values()) {
            Resources.close(g.backward);
            g.forward.close();
            Resources.close(g.scaleShift);
            Resources.close(g.groupGradients);
        }
        byGroups.clear();
    }
}
