package dev.moco.encoders.fast;

import dev.moco.api.Encoder;
import dev.moco.api.FeatureMapEncoder;
import dev.moco.api.kit.StepWorkspace;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.NamedParameters;
import dev.moco.encoders.Precision;
import dev.moco.encoders.ResNetLayers;
import dev.moco.encoders.ResNetTopology;
import dev.moco.encoders.nn.ParameterBank;
import java.nio.FloatBuffer;
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
 * The fast path of the ResNet encoders: the {@link ResNetTopology} of an {@link EncoderSpec}
 * (small-input ResNet-20…110 and ImageNet-layout ResNet-18/34/50/101, any head) run as a
 * {@link FastNetwork} of oneDNN units, with activations in oneDNN's blocked layout
 * ({@code nChw16c} on AVX-512, {@code nChw8c} on AVX2) from the stem to the pooling, BN with
 * fused ReLU, and every primitive created once per input shape. Its tensors are registered
 * through the same build as the reference encoder's ({@link ResNetLayers}), so both have the
 * same names, shapes, initial values and flat layout, and weights move between them by name;
 * the parity tests check outputs, gradients and running statistics against the reference.
 * Shuffle BN with G groups is one BN call per layer over a group-interleaved batch
 * ({@link BatchNormUnit}).
 *
 * <pre>{@code
 * EncoderSpec spec = EncoderSpec.of("resnet50").withInputChannels(3);
 * try (FastEncoder fq = FastEncoder.create(spec)) {
 *     Encoder.Pass pass = fq.forward(images, Encoder.Mode.TRAINING, 4);   // [32, 3, 224, 224] -> [32, 128]
 *     pass.backward(dLossDFeatures);                                      // adds into fq.gradients()
 * }
 * }</pre>
 *
 * <p><b>Passes and memory.</b> A training pass keeps what its backward reads in an arena of a
 * per-shape pool, where its backward also places the gradients of the activations (in what the
 * forward left free and what the backward frees as it goes), and gives it back after its
 * backward. The backward writes the parameter gradients in place when {@link #gradients()} is
 * zero (after {@link #zeroGradients()}) and adds to them otherwise. At most
 * {@code maxLivePasses} (default 2: end-to-end back-propagates a query and a key pass) are kept:
 * when a forward needs an arena and all are held, the oldest pass is recycled and its
 * {@code output()}/{@code backward} then fail with an {@link IllegalStateException}. Inference
 * and {@code TRAINING_WITHOUT_GRADIENT} passes (the key encoder) reuse each activation's memory
 * once its last reader has run, copy their output and release the arena at once. The
 * convolutions' weights in the layouts their primitives chose exist only while each primitive
 * runs, in one buffer per network. {@link #close()} frees every primitive and arena.
 *
 * <p>Not thread-safe: one encoder runs one pass at a time (passes may be interleaved).
 */
public final class FastEncoder implements FeatureMapEncoder, NamedParameters {

    /** Live training passes kept per input shape unless told otherwise. */
    public static final int DEFAULT_LIVE_PASSES = 2;
    /** The smallest input side: the ImageNet layout divides it by 32. */
    public static final int MINIMUM_IMAGE_SIZE_IMAGENET = 32;

    private final EncoderSpec spec;
    private final ResNetTopology topology;
    private final int maxLivePasses;
    private final ParameterBank bank = new ParameterBank();
    /**
     * The bank's gradient vector, which the units overwrite, is the accumulated gradient; a
     * backward into a non-zero one first saves it here and adds it back (created on first need).
     */
    private INDArray earlierGradients;
    private final Map<String, INDArray> gradientViews;
    private final Map<String, FastNetwork> networks = new HashMap<>();
    private final int activationTag;
    private final int convolutionAlgorithm;
    private final Precision precision;
    private boolean closed;

    /**
     * A freshly initialised encoder of {@code spec} (seeded by it).
     *
     * @throws UnsupportedOperationException with the reason when oneDNN cannot be loaded
     * @throws IllegalArgumentException saying what the fast path lacks for this spec
     */
    public static FastEncoder create(EncoderSpec spec) {
        return create(spec, Precision.FP32);
    }

    /** As {@link #create(EncoderSpec)}, with the convolutions in {@code precision}. */
    public static FastEncoder create(EncoderSpec spec, Precision precision) {
        return new FastEncoder(spec, DEFAULT_LIVE_PASSES, -1, -1, precision, true);
    }

    /** @param maxLivePasses training passes that may await their backward at once, per input shape */
    public static FastEncoder create(EncoderSpec spec, int maxLivePasses) {
        return new FastEncoder(spec, maxLivePasses, -1, -1, Precision.FP32, true);
    }

    /**
     * @param activationTag oneDNN format tag of the activations, -1 for the CPU's preference
     * @param convolutionAlgorithm algorithm of the 3×3 stride-1 convolutions, -1 for the default
     * @param precision the convolutions' arithmetic
     */
    FastEncoder(EncoderSpec spec, int maxLivePasses, int activationTag, int convolutionAlgorithm, Precision precision,
                boolean initialise) {
        Dnnl.requireAvailable();
        String reason = unsupportedReason(spec);
        if (reason != null) {
            throw new IllegalArgumentException(reason);
        }
        if (maxLivePasses < 1) {
            throw new IllegalArgumentException("maxLivePasses must be >= 1, got " + maxLivePasses);
        }
        this.spec = spec;
        this.topology = spec.topology();
        this.maxLivePasses = maxLivePasses;
        ResNetLayers.build(topology, bank);
        bank.allocate(DataType.FLOAT, initialise ? spec.seed() : null);
        this.gradientViews = bank.trainableViewsOf(bank.gradients());
        this.activationTag = activationTag == -1 ? Dnnl.activationTag() : activationTag;
        this.convolutionAlgorithm = convolutionAlgorithm == -1 ? ConvUnit.defaultAlgorithm() : convolutionAlgorithm;
        if (precision == Precision.BF16 && ConvUnit.bf16UnsupportedReason() != null) {
            throw new IllegalArgumentException("encoder.precision = bf16: " + ConvUnit.bf16UnsupportedReason()
                    + "; use encoder.precision = fp32");
        }
        this.precision = precision;
    }

    /**
     * Why the fast path cannot run {@code spec}, or null if it can: it computes in FLOAT, and
     * its blocked layout needs every width a multiple of 16 (all ResNets at width multiplier ≥ 1).
     */
    public static String unsupportedReason(EncoderSpec spec) {
        if (spec.dataType() != DataType.FLOAT) {
            return "the fast encoder computes in FLOAT, not " + spec.dataType() + "; use the reference encoder";
        }
        ResNetTopology t = spec.topology();
        for (int c : t.stageChannels()) {
            if (c % 16 != 0) {
                return "the fast encoder needs stage widths that are multiples of 16, " + spec.architecture()
                        + " has " + c;
            }
        }
        return null;
    }

    /** True if oneDNN could be loaded in this JVM; otherwise see {@link #unavailableReason()}. */
    public static boolean isAvailable() {
        return Dnnl.available();
    }

    /** Why the fast path cannot run here, or null if it can. */
    public static String unavailableReason() {
        return Dnnl.unavailableReason();
    }

    /** The blocked activation layout used on this CPU: {@code nChw16c} (AVX-512) or {@code nChw8c}. */
    public static String activationLayoutName() {
        Dnnl.requireAvailable();
        return Dnnl.activationTag() == org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c ? "nChw16c" : "nChw8c";
    }

    public EncoderSpec spec() {
        return spec;
    }

    public ResNetTopology topology() {
        return topology;
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
    public Pass forward(INDArray input, Mode mode, int normalizationGroups) {
        FastNetwork net = network(input);
        int groups = checkedGroups(input, mode, normalizationGroups);
        if (mode != Mode.TRAINING) {
            MemoryPlan.Activations plan = net.activationPlan(false, false, groups);
            Arena arena = net.arenas().forwardOnly(plan.floats());
            net.forward(arena, plan, input, groups);
            return new FinishedPass(net.read(arena, plan, net.output(), groups), mode);
        }
        return new EncoderPass(net, input, groups);
    }

    @Override
    public FeatureMapPass forwardFeatureMaps(INDArray input, Mode mode, int normalizationGroups) {
        FastNetwork net = network(input);
        int groups = checkedGroups(input, mode, normalizationGroups);
        if (mode != Mode.TRAINING) {
            MemoryPlan.Activations plan = net.activationPlan(false, true, groups);
            Arena arena = net.arenas().forwardOnly(plan.floats());
            net.forward(arena, plan, input, groups);
            List<INDArray> maps = new ArrayList<>();
            for (Activation a : net.stages()) {
                maps.add(net.read(arena, plan, a, groups));
            }
            INDArray pooled = net.read(arena, plan, net.pooled(), groups);
            return new FinishedFeatureMaps(Collections.unmodifiableList(maps), pooled, mode);
        }
        return new StagePass(net, input, groups);
    }

    @Override
    public INDArray represent(INDArray input) {
        FastNetwork net = network(input);
        MemoryPlan.Activations plan = net.activationPlan(false, false, 0);
        Arena arena = net.arenas().forwardOnly(plan.floats());
        net.forward(arena, plan, input, 0);
        return net.read(arena, plan, net.pooled(), 0);
    }

    private int checkedGroups(INDArray input, Mode mode, int normalizationGroups) {
        if (mode == Mode.INFERENCE) {
            return 0;
        }
        Encoder.requireGroupsDivideBatch(normalizationGroups, input.size(0));
        return normalizationGroups;
    }

    private FastNetwork network(INDArray input) {
        if (closed) {
            throw new IllegalStateException("this encoder was closed");
        }
        if (input.rank() != 4 || input.size(1) != spec.inputChannels()) {
            throw new IllegalArgumentException(spec.architecture() + " expects images [N, " + spec.inputChannels()
                    + ", H, W] but got " + Arrays.toString(input.shape()));
        }
        int minimum = topology.stem().maxPool() ? MINIMUM_IMAGE_SIZE_IMAGENET : 4;
        if (input.size(2) < minimum || input.size(3) < minimum) {
            throw new IllegalArgumentException(spec.architecture() + " on the fast path needs images of at least "
                    + minimum + "x" + minimum + ", got " + input.size(2) + "x" + input.size(3));
        }
        String key = input.size(0) + "x" + input.size(2) + "x" + input.size(3);
        FastNetwork net = networks.get(key);
        if (net == null) {
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // composed by the first step of a shape, kept
                net = ResNetUnits.compose(topology, bank, input.size(0), input.size(2), input.size(3), activationTag,
                        convolutionAlgorithm, precision, maxLivePasses);
            }
            networks.put(key, net);
        }
        return net;
    }

    @Override
    public int stageCount() {
        return topology.stageCount();
    }

    @Override
    public int[] stageChannels() {
        return topology.stageChannels();
    }

    @Override
    public int[] stageStrides() {
        return topology.stageStrides();
    }

    @Override
    public int outputDimension() {
        return topology.outputDimension();
    }

    @Override
    public int representationDimension() {
        return topology.representationDimension();
    }

    @Override
    public INDArray parameters() {
        return bank.parameters();
    }

    @Override
    public INDArray gradients() {
        return bank.gradients();
    }

    @Override
    public void zeroGradients() {
        bank.gradients().assign(0);
    }

    @Override
    public INDArray buffers() {
        return bank.buffers();
    }

    @Override
    public FastEncoder copy() {
        FastEncoder copy = new FastEncoder(spec, maxLivePasses, activationTag, convolutionAlgorithm, precision, false);
        copy.parameters().assign(parameters());
        copy.buffers().assign(buffers());
        return copy;
    }

    /** Frees every primitive, arena and vector; passes still alive fail from now on. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        networks.values().forEach(FastNetwork::close);
        networks.clear();
        Resources.close(earlierGradients);
        bank.close();
    }

    /**
     * Whether every value of the dense vector {@code v} is zero of either sign (NaN is not):
     * then a backward may overwrite it, {@code 0 + g} being {@code g} up to the sign of a zero.
     */
    static boolean isZero(INDArray v) {
        int n = Math.toIntExact(v.length());
        FloatBuffer values = Dnnl.floatBuffer(Dnnl.address(v), n);
        for (int start = 0; start < n; start += 4096) {
            int bits = 0;
            for (int i = start, end = Math.min(n, start + 4096); i < end; i++) {
                bits |= Float.floatToRawIntBits(values.get(i)) << 1;     // the sign bit shifted out
            }
            if (bits != 0) {
                return false;
            }
        }
        return true;
    }

    /** Bytes of the arenas of every fast encoder of this JVM not yet closed (all encoders, all input shapes). */
    public static long liveArenaBytes() {
        return Arena.liveBytes();
    }

    /** Bytes of the activation and gradient arenas allocated so far (all input shapes). */
    public long arenaBytes() {
        return networks.values().stream().mapToLong(FastNetwork::arenaBytes).sum();
    }

    /** Bytes of the buffers holding reordered weights and weight gradients (one per input shape). */
    long weightScratchBytes() {
        return networks.values().stream().mapToLong(FastNetwork::weightScratchBytes).sum();
    }

    /** {@return the convolutions' arithmetic} */
    public Precision precision() {
        return precision;
    }

    /** oneDNN's implementation choice for each unit created so far, for diagnostics. */
    public String implementations() {
        StringBuilder b = new StringBuilder("activation layout: ")
                .append(activationTag == org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c ? "nChw16c" : "nChw8c").append('\n');
        networks.forEach((k, n) -> b.append("batch x height x width = ").append(k).append('\n').append(n.implementations()));
        return b.toString();
    }

    /**
     * Total time per kind of oneDNN primitive since the last call, when the JVM runs with
     * {@code -Dmoco.fast.profile=true}; resets the totals.
     */
    public static String profileReport() {
        if (!OpProfile.ENABLED) {
            return "profiling is off (run with -Dmoco.fast.profile=true)";
        }
        String report = OpProfile.report();
        OpProfile.reset();
        return report;
    }

    @Override
    public String toString() {
        return "FastEncoder(" + spec + ", " + parameters().length() + " parameters)";
    }

    /**
     * A training pass: runs the forward into a pooled arena and keeps it until its backward,
     * which starts from gradients at the given entry activations and runs in the same arena,
     * sized for a backward from {@code expectedEntries}.
     */
    private abstract class HeldPass implements TrainingPass {
        final FastNetwork net;
        final int groups;
        final MemoryPlan.Activations plan;
        final Arena arena;
        private boolean done;
        private boolean recycled;

        HeldPass(FastNetwork net, INDArray input, int groups, boolean exportStages, List<Activation> expectedEntries) {
            this.net = net;
            this.groups = groups;
            this.plan = net.activationPlan(true, exportStages, groups);
            this.arena = net.arenas().acquire(this, net.gradientPlan(plan, expectedEntries).floats());
            net.forward(arena, plan, input, groups);
        }

        @Override
        public void recycled() {
            recycled = true;
        }

        void requireAlive() {
            if (recycled) {
                throw new IllegalStateException("this training pass's activations were reused: more than " + maxLivePasses
                        + " passes of batch " + net.batch() + " were started before its backward, or the encoder was"
                        + " closed (create the FastEncoder with a larger maxLivePasses)");
            }
        }

        /** Back-propagates {@code arriving} (one per entry, null entries dropped) and adds the result to the gradients. */
        void backward(List<Activation> entries, List<INDArray> arriving) {
            requireAlive();
            if (done) {
                throw new IllegalStateException("this pass was already back-propagated (at most once per pass)");
            }
            done = true;
            if (!entries.isEmpty()) {
                INDArray accumulated = bank.gradients();
                boolean adding = !isZero(accumulated);
                if (adding) {
                    if (earlierGradients == null) {
                        try (MemoryWorkspace outside = StepWorkspace.outside()) {     // kept for the next accumulation
                            earlierGradients = Nd4j.create(DataType.FLOAT, accumulated.length());
                        }
                    }
                    earlierGradients.assign(accumulated);
                }
                net.backward(arena, plan, net.gradientPlan(plan, entries), arriving, groups);
                if (adding) {
                    accumulated.addi(earlierGradients);
                }
            }
            net.arenas().release(arena);
        }
    }

    private final class EncoderPass extends HeldPass implements Pass {
        private INDArray output;

        EncoderPass(FastNetwork net, INDArray input, int groups) {
            super(net, input, groups, false, List.of(net.output()));
        }

        @Override
        public INDArray output() {
            requireAlive();
            if (output == null) {
                output = net.read(arena, plan, net.output(), groups);
            }
            return output;
        }

        @Override
        public void backward(INDArray outputGradient) {
            long[] expected = {net.batch(), outputDimension()};
            if (!Arrays.equals(outputGradient.shape(), expected)) {
                throw new IllegalArgumentException("output gradient must be " + Arrays.toString(expected) + " but is "
                        + Arrays.toString(outputGradient.shape()));
            }
            backward(List.of(net.output()), List.of(outputGradient.castTo(DataType.FLOAT)));
        }
    }

    private final class StagePass extends HeldPass implements FeatureMapPass {
        private final List<INDArray> featureMaps;
        private final INDArray pooled;

        StagePass(FastNetwork net, INDArray input, int groups) {
            super(net, input, groups, true, stagesAndPooled(net));
            List<INDArray> maps = new ArrayList<>();
            for (Activation a : net.stages()) {
                maps.add(net.read(arena, plan, a, groups));
            }
            this.featureMaps = Collections.unmodifiableList(maps);
            this.pooled = net.read(arena, plan, net.pooled(), groups);
        }

        private static List<Activation> stagesAndPooled(FastNetwork net) {
            List<Activation> all = new ArrayList<>(net.stages());
            all.add(net.pooled());
            return all;
        }

        @Override
        public List<INDArray> featureMaps() {
            return featureMaps;
        }

        @Override
        public INDArray pooled() {
            return pooled;
        }

        @Override
        public void backward(List<INDArray> featureMapGradients, INDArray pooledGradient) {
            if (featureMapGradients != null && featureMapGradients.size() != featureMaps.size()) {
                throw new IllegalArgumentException(featureMapGradients.size() + " feature-map gradients for "
                        + featureMaps.size() + " stages (use null entries for stages without gradient)");
            }
            List<Activation> entries = new ArrayList<>();
            List<INDArray> arriving = new ArrayList<>();
            for (int s = 0; featureMapGradients != null && s < featureMaps.size(); s++) {
                INDArray g = featureMapGradients.get(s);
                if (g != null) {
                    requireShape(g, featureMaps.get(s), "stage " + s);
                    entries.add(net.stages().get(s));
                    arriving.add(g.castTo(DataType.FLOAT));
                }
            }
            if (pooledGradient != null) {
                requireShape(pooledGradient, pooled, "pooled");
                entries.add(net.pooled());
                arriving.add(pooledGradient.castTo(DataType.FLOAT));
            }
            backward(entries, arriving);
        }

        private void requireShape(INDArray gradient, INDArray like, String where) {
            if (!Arrays.equals(gradient.shape(), like.shape())) {
                throw new IllegalArgumentException("gradient at " + where + " has shape " + Arrays.toString(gradient.shape())
                        + " but the output there is " + Arrays.toString(like.shape()));
            }
        }
    }

    /** An inference or no-gradient pass: a copy of the output, nothing kept for a backward. */
    private record FinishedPass(INDArray output, Mode mode) implements Pass {
        @Override
        public void backward(INDArray outputGradient) {
            throw new IllegalStateException("this pass ran in " + mode + " mode; only TRAINING passes can be back-propagated");
        }
    }

    private record FinishedFeatureMaps(List<INDArray> featureMaps, INDArray pooled, Mode mode) implements FeatureMapPass {
        @Override
        public void backward(List<INDArray> featureMapGradients, INDArray pooledGradient) {
            throw new IllegalStateException("this pass ran in " + mode + " mode; only TRAINING passes can be back-propagated");
        }
    }
}
