package dev.moco.encoders.fast;

import dev.moco.api.Encoder;
import dev.moco.api.kit.StepWorkspace;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.DenseHeadLayers;
import dev.moco.encoders.DenseHeadTopology;
import dev.moco.encoders.ReferenceDenseHead;
import dev.moco.encoders.nn.ParameterBank;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fast path of the dense heads: a {@link DenseHeadTopology} run as a {@link FastNetwork} of
 * oneDNN units ({@link DenseHeadUnits}), with activations in the blocked layout, BN with fused
 * ReLU and every primitive created once per set of stage-map shapes. Its tensors are registered
 * through the reference head's build ({@link DenseHeadLayers}), so both heads have the same
 * names, initial values and flat layout; {@code FastDenseHeadParityTest} checks outputs, every
 * gradient and the running statistics against {@link ReferenceDenseHead}.
 *
 * <pre>{@code
 * try (FastDenseHead head = FastDenseHead.create(DenseHeadTopology.segmentation(channels, strides, 11, 32), seed)) {
 *     DenseHead.Pass p = head.forward(backbone.featureMaps(), Encoder.Mode.TRAINING, 1);
 *     List<INDArray> stageGradients = p.backward(dLossDOutput);   // adds into head.gradients()
 * }
 * }</pre>
 *
 * <p><b>Passes and memory</b> are as the {@link FastEncoder}'s: a training pass keeps what its
 * backward reads in an arena of a per-shape pool ({@value FastEncoder#DEFAULT_LIVE_PASSES}
 * passes at most; an older one is recycled and then fails), other passes copy their output and
 * give the arena back at once. Stage maps are copied in and gradients out in NCHW, the caller's
 * batch order. Not thread-safe.
 */
public final class FastDenseHead implements DenseHead {

    private final DenseHeadTopology topology;
    private final int[] readStages;
    private final ParameterBank bank = new ParameterBank();
    /** Accumulated over backwards; the bank's own gradient vector holds one pass's. */
    private final INDArray gradients;
    private final Map<String, INDArray> gradientViews;
    private final Map<String, DenseHeadUnits> networks = new HashMap<>();
    private final int activationTag;
    private boolean closed;

    /**
     * A freshly initialised head of {@code topology} (the reference head's values for the same seed).
     *
     * @throws UnsupportedOperationException with the reason when oneDNN cannot be loaded
     */
    public static FastDenseHead create(DenseHeadTopology topology, long seed) {
        return new FastDenseHead(topology, seed);
    }

    private FastDenseHead(DenseHeadTopology topology, long seed) {
        Dnnl.requireAvailable();
        this.topology = topology;
        this.readStages = topology.readStages();
        DenseHeadLayers.build(topology, bank);
        bank.allocate(DataType.FLOAT, seed);
        this.gradients = Nd4j.create(DataType.FLOAT, bank.parameters().length());
        this.gradientViews = bank.trainableViewsOf(gradients);
        this.activationTag = Dnnl.activationTag();
    }

    @Override
    public DenseHeadTopology topology() {
        return topology;
    }

    @Override
    public INDArray parameters() {
        return bank.parameters();
    }

    @Override
    public INDArray gradients() {
        return gradients;
    }

    @Override
    public void zeroGradients() {
        gradients.assign(0);
    }

    @Override
    public INDArray buffers() {
        return bank.buffers();
    }

    @Override
    public Map<String, INDArray> namedTensors() {
        return bank.valuesByName();
    }

    @Override
    public Map<String, INDArray> namedGradients() {
        return gradientViews;
    }

    @Override
    public Pass forward(List<INDArray> featureMaps, Encoder.Mode mode, int normalizationGroups) {
        DenseHeadUnits units = network(featureMaps);
        FastNetwork net = units.net();
        int groups = 0;
        if (mode != Encoder.Mode.INFERENCE) {
            Encoder.requireGroupsDivideBatch(normalizationGroups, net.batch());
            groups = normalizationGroups;
        }
        for (int i = 1; i < readStages.length; i++) {
            units.sideInputs().get(i - 1).feed(featureMaps.get(readStages[i]));
        }
        INDArray first = featureMaps.get(readStages[0]);
        if (mode != Encoder.Mode.TRAINING) {
            MemoryPlan.Activations plan = net.activationPlan(false, false, groups);
            Arena arena = net.arenas().forwardOnly(plan.floats());
            net.forward(arena, plan, first, groups);
            return new FinishedPass(net.read(arena, plan, net.output(), groups), mode);
        }
        return new HeadPass(units, first, groups);
    }

    /** The network for these maps' shapes, composed on first use; checks every read map against the topology. */
    private DenseHeadUnits network(List<INDArray> featureMaps) {
        if (closed) {
            throw new IllegalStateException("this head was closed");
        }
        int[] channels = topology.stageChannels();
        int[] strides = topology.stageStrides();
        if (featureMaps.size() != strides.length) {
            throw new IllegalArgumentException("the head was built for " + strides.length + " stages but got "
                    + featureMaps.size() + " feature maps");
        }
        INDArray first = featureMaps.get(readStages[0]);
        if (first == null || first.rank() != 4) {
            throw new IllegalArgumentException("stage " + readStages[0] + "'s map must be [N, " + channels[readStages[0]]
                    + ", H, W] but is " + (first == null ? "missing" : Arrays.toString(first.shape())));
        }
        long[] heights = new long[readStages.length];
        long[] widths = new long[readStages.length];
        for (int i = 0; i < readStages.length; i++) {
            int s = readStages[i];
            INDArray map = featureMaps.get(s);
            long scale = strides[s] / strides[readStages[0]];
            heights[i] = first.size(2) / scale;
            widths[i] = first.size(3) / scale;
            long[] expected = {first.size(0), channels[s], heights[i], widths[i]};
            if (map == null || !Arrays.equals(map.shape(), expected) || heights[i] * scale != first.size(2)
                    || widths[i] * scale != first.size(3)) {
                throw new IllegalArgumentException("stage " + s + "'s map must be " + Arrays.toString(expected)
                        + " (stride " + strides[s] + ", " + channels[s] + " channels) but is "
                        + (map == null ? "missing" : Arrays.toString(map.shape())));
            }
        }
        String key = first.size(0) + "x" + first.size(2) + "x" + first.size(3);
        DenseHeadUnits units = networks.get(key);
        if (units == null) {
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // composed by the first pass of a shape, kept
                units = DenseHeadUnits.compose(topology, bank, first.size(0), heights, widths, activationTag,
                        ConvUnit.defaultAlgorithm(), FastEncoder.DEFAULT_LIVE_PASSES);
            }
            networks.put(key, units);
        }
        return units;
    }

    /** Frees every primitive, arena and vector; passes still alive fail from now on. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        networks.values().forEach(u -> u.net().close());
        networks.clear();
        gradients.close();
        bank.close();
    }

    /** oneDNN's implementation choice for each unit created so far, for diagnostics. */
    public String implementations() {
        StringBuilder b = new StringBuilder();
        networks.forEach((k, u) -> b.append("batch x height x width = ").append(k).append('\n').append(u.net().implementations()));
        return b.toString();
    }

    @Override
    public String toString() {
        return "FastDenseHead(" + topology + ")";
    }

    /** A training pass: holds an arena of the pool until its backward. */
    private final class HeadPass implements Pass, TrainingPass {
        private final DenseHeadUnits units;
        private final FastNetwork net;
        private final int groups;
        private final MemoryPlan.Activations plan;
        private final MemoryPlan.Gradients gradientPlan;
        private final Arena arena;
        private final INDArray output;
        private boolean done;
        private boolean recycled;

        HeadPass(DenseHeadUnits units, INDArray first, int groups) {
            this.units = units;
            this.net = units.net();
            this.groups = groups;
            this.plan = net.activationPlan(true, false, groups);
            // the arena holds the forward's activations and, in what they leave free, the backward's gradients
            this.gradientPlan = net.gradientPlanWithInputGradient(plan, List.of(net.output()));
            this.arena = net.arenas().acquire(this, gradientPlan.floats());
            net.forward(arena, plan, first, groups);
            this.output = net.read(arena, plan, net.output(), groups);
        }

        @Override
        public void recycled() {
            recycled = true;
        }

        @Override
        public INDArray output() {
            return output;
        }

        @Override
        public List<INDArray> backward(INDArray outputGradient) {
            if (recycled) {
                throw new IllegalStateException("this head pass's activations were reused: more than "
                        + FastEncoder.DEFAULT_LIVE_PASSES + " passes of batch " + net.batch()
                        + " were started before its backward, or the head was closed");
            }
            if (done) {
                throw new IllegalStateException("this pass was already back-propagated (at most once per pass)");
            }
            if (!Arrays.equals(outputGradient.shape(), output.shape())) {
                throw new IllegalArgumentException("output gradient must be " + Arrays.toString(output.shape()) + " but is "
                        + Arrays.toString(outputGradient.shape()));
            }
            done = true;
            net.backward(arena, plan, gradientPlan, List.of(outputGradient.castTo(DataType.FLOAT)), groups);
            List<INDArray> perStage = new ArrayList<>(Collections.nCopies(topology.stageStrides().length, (INDArray) null));
            perStage.set(readStages[0], net.readInputGradient(arena, gradientPlan, groups));
            for (int i = 1; i < readStages.length; i++) {
                perStage.set(readStages[i], units.sideInputs().get(i - 1).takeGradient());
            }
            gradients.addi(bank.gradients());
            net.arenas().release(arena);
            return perStage;
        }
    }

    /** An inference or no-gradient pass: a copy of the output, nothing kept for a backward. */
    private record FinishedPass(INDArray output, Encoder.Mode mode) implements Pass {
        @Override
        public List<INDArray> backward(INDArray outputGradient) {
            throw new IllegalStateException("this pass ran in " + mode + " mode; only TRAINING passes can be back-propagated");
        }
    }
}
