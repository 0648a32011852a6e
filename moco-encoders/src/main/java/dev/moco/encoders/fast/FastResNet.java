package dev.moco.encoders.fast;

import dev.moco.api.Encoder;
import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.NamedParameters;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fast path of the small-input ResNet encoders: the network of {@link FastResNetConfig}
 * (He et al. 2016 CIFAR ResNets with a MoCo projection head) run on oneDNN primitives called
 * directly from Java, with activations kept in oneDNN's blocked layout ({@code nChw8c} on AVX2,
 * {@code nChw16c} on AVX-512) from the stem to the pooling, BN (with fused ReLU) in the same
 * layout, and every primitive created once per input shape. Same architecture, initialisation,
 * tensor names and PyTorch layouts as the reference encoders in {@code dev.moco.encoders}, so
 * weights can be copied by name ({@link NamedParameters#copy}); the parity tests check outputs
 * and gradients against the reference. Shuffle BN with G groups runs as one batch
 * normalisation per layer over a group-interleaved batch (see {@link BatchNormUnit}).
 *
 * <pre>{@code
 * EncoderSpec spec = EncoderSpec.of("resnet20").withInputChannels(1);   // MLP head 64-64-128
 * Encoder fq = FastResNet.isAvailable() ? FastResNet.create(spec) : Encoders.create(spec);
 * Encoder.Pass pass = fq.forward(images, Encoder.Mode.TRAINING);          // [256, 1, 28, 28] -> [256, 128]
 * pass.backward(dLossDFeatures);                                          // adds into fq.gradients()
 * }</pre>
 *
 * <p><b>Passes and memory.</b> A training pass keeps its activations in an arena taken from a
 * per-shape pool and gives it back after its backward. At most {@code maxLivePasses}
 * (default 2: the end-to-end mechanism back-propagates a query and a key pass) are kept: when
 * a forward needs an arena and all are held, the oldest pass is recycled and its
 * {@code output()}/{@code backward} then fail with an {@link IllegalStateException}. A training
 * pass that is never back-propagated simply holds its arena until recycled. A training pass's
 * {@code output()} lives in its arena: it stays valid until the pass is back-propagated and a
 * later forward reuses the arena. Inference and {@code TRAINING_WITHOUT_GRADIENT} passes (the
 * key encoder) copy their output and release the arena at once.
 *
 * <p>Not thread-safe: one encoder runs one pass at a time (passes may be interleaved).
 */
public final class FastResNet implements Encoder, NamedParameters {

    /** Live training passes kept per input shape unless told otherwise. */
    public static final int DEFAULT_LIVE_PASSES = 2;

    private final FastResNetConfig config;
    private final int maxLivePasses;
    private final TensorLayout layout;
    private final INDArray parameters;
    private final INDArray gradients;
    private final INDArray passGradients;
    private final INDArray buffers;
    private final Map<String, INDArray> parameterViews;
    private final Map<String, INDArray> bufferViews;
    private final Map<String, INDArray> passGradientViews;
    private final ExecutionPlan.ParameterGradients gradientSlots;
    private final Map<String, ExecutionPlan> plans = new HashMap<>();
    private final int activationTag;
    private final int convolutionAlgorithm;

    /** A freshly initialised network (seed from the config); fails if oneDNN is unavailable. */
    public FastResNet(FastResNetConfig config) {
        this(config, DEFAULT_LIVE_PASSES);
    }

    /**
     * @param maxLivePasses training passes that may await their backward at once, per input shape
     * @throws UnsupportedOperationException with the reason when oneDNN cannot be loaded (use
     *     {@link #isAvailable()} to choose the reference encoder instead)
     */
    public FastResNet(FastResNetConfig config, int maxLivePasses) {
        this(config, maxLivePasses, -1, -1);
    }

    /**
     * @param activationTag oneDNN format tag of the activations ({@code dnnl_nChw8c} or
     *     {@code dnnl_nChw16c}), -1 for the CPU's preference
     * @param convolutionAlgorithm algorithm of the 3×3 stride-1 convolutions, -1 for the default
     */
    FastResNet(FastResNetConfig config, int maxLivePasses, int activationTag, int convolutionAlgorithm) {
        Dnnl.requireAvailable();
        if (maxLivePasses < 1) {
            throw new IllegalArgumentException("maxLivePasses must be >= 1, got " + maxLivePasses);
        }
        this.config = config;
        this.maxLivePasses = maxLivePasses;
        this.layout = layoutOf(config);
        this.parameters = Nd4j.create(DataType.FLOAT, layout.trainableLength());
        this.gradients = Nd4j.create(DataType.FLOAT, layout.trainableLength());
        this.passGradients = Nd4j.create(DataType.FLOAT, layout.trainableLength());
        this.buffers = Nd4j.create(DataType.FLOAT, layout.bufferLength());
        this.parameterViews = layout.views(parameters, true);
        this.bufferViews = layout.views(buffers, false);
        this.passGradientViews = layout.views(passGradients, true);
        this.gradientSlots = new ExecutionPlan.ParameterGradients(config, passGradientViews);
        layout.initialise(parameters, buffers, config.seed());
        this.activationTag = activationTag == -1 ? Dnnl.activationTag() : activationTag;
        this.convolutionAlgorithm = convolutionAlgorithm == -1 ? ConvUnit.defaultAlgorithm() : convolutionAlgorithm;
    }

    /** The fast encoder for a reference spec (see {@link FastResNetConfig#from(EncoderSpec)}). */
    public static FastResNet create(EncoderSpec spec) {
        return new FastResNet(FastResNetConfig.from(spec));
    }

    /** True if oneDNN could be loaded in this JVM; otherwise see {@link #unavailableReason()}. */
    public static boolean isAvailable() {
        return Dnnl.available();
    }

    /** The blocked activation layout used on this CPU: {@code nChw16c} (AVX-512) or {@code nChw8c}. */
    public static String activationLayoutName() {
        Dnnl.requireAvailable();
        return Dnnl.activationTag() == org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c ? "nChw16c" : "nChw8c";
    }

    /** Why the fast path cannot run here, or null if it can. */
    public static String unavailableReason() {
        return Dnnl.unavailableReason();
    }

    public FastResNetConfig config() {
        return config;
    }

    /** Trainable tensors by torchvision name (e.g. {@code layer2.0.downsample.0.weight}), as live views. */
    public Map<String, INDArray> namedParameters() {
        return parameterViews;
    }

    /** BN running statistics by name (e.g. {@code bn1.running_mean}), as live views. */
    public Map<String, INDArray> namedBuffers() {
        return bufferViews;
    }

    @Override
    public Map<String, INDArray> namedTensors() {
        Map<String, INDArray> all = new java.util.LinkedHashMap<>();
        for (TensorLayout.Entry e : layout.entries()) {
            all.put(e.name(), e.trainable() ? parameterViews.get(e.name()) : bufferViews.get(e.name()));
        }
        return java.util.Collections.unmodifiableMap(all);
    }

    @Override
    public Map<String, INDArray> namedGradients() {
        return layout.views(gradients, true);
    }

    @Override
    public Pass forward(INDArray input, Mode mode, int normalizationGroups) {
        ExecutionPlan plan = plan(input);
        if (mode == Mode.INFERENCE) {
            return finishedPass(plan, plan.forward(input, 0, false), mode);
        }
        if (normalizationGroups < 1 || input.size(0) % normalizationGroups != 0) {
            throw new IllegalArgumentException("normalizationGroups " + normalizationGroups
                    + " must be >= 1 and divide the batch of " + input.size(0));
        }
        if (mode == Mode.TRAINING_WITHOUT_GRADIENT) {
            return finishedPass(plan, plan.forward(input, normalizationGroups, false), mode);
        }
        ExecutionPlan.PassBuffers p = plan.forward(input, normalizationGroups, true);
        FastPass pass = new FastPass(plan, p, normalizationGroups);
        p.owner = pass;
        return pass;
    }

    /** A pass with no backward: copies the output and gives the arena back at once. */
    private static Pass finishedPass(ExecutionPlan plan, ExecutionPlan.PassBuffers p, Mode mode) {
        INDArray output = p.output().dup();
        plan.release(p);
        return new FinishedPass(output, mode);
    }

    @Override
    public INDArray represent(INDArray input) {
        ExecutionPlan plan = plan(input);
        ExecutionPlan.PassBuffers p = plan.forward(input, 0, false);
        INDArray representation = p.pooled.dup();
        plan.release(p);
        return representation;
    }

    private ExecutionPlan plan(INDArray input) {
        if (input.rank() != 4 || input.size(1) != config.inputChannels()) {
            throw new IllegalArgumentException("FastResNet expects images [N, " + config.inputChannels()
                    + ", H, W] but got " + java.util.Arrays.toString(input.shape()));
        }
        if (input.size(2) < 4 || input.size(3) < 4) {
            throw new IllegalArgumentException("FastResNet needs images of at least 4x4 (two stride-2 stages), got "
                    + input.size(2) + "x" + input.size(3));
        }
        String key = input.size(0) + "x" + input.size(2) + "x" + input.size(3);
        ExecutionPlan plan = plans.get(key);
        if (plan == null) {
            plan = new ExecutionPlan(config, activationTag, convolutionAlgorithm, maxLivePasses, input.size(0), input.size(2), input.size(3),
                    parameterViews, bufferViews);
            plans.put(key, plan);
        }
        return plan;
    }

    @Override
    public int outputDimension() {
        return config.featureDimension();
    }

    @Override
    public int representationDimension() {
        return config.representationDimension();
    }

    @Override
    public INDArray parameters() {
        return parameters;
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
        return buffers;
    }

    @Override
    public FastResNet copy() {
        FastResNet copy = new FastResNet(config, maxLivePasses, activationTag, convolutionAlgorithm);
        copy.parameters.assign(parameters);
        copy.buffers.assign(buffers);
        return copy;
    }

    /** oneDNN's implementation choice for each primitive created so far, for diagnostics. */
    public String implementations() {
        StringBuilder b = new StringBuilder("activation layout: ")
                .append(activationTag == org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c ? "nChw16c" : "nChw8c").append('\n');
        plans.forEach((k, p) -> b.append("batch x height x width = ").append(k).append('\n').append(p.implementations()));
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

    /** The tensors of the architecture, in the reference encoders' registration order. */
    static TensorLayout layoutOf(FastResNetConfig c) {
        TensorLayout l = new TensorLayout();
        int w = c.baseWidth();
        conv(l, "conv1", w, c.inputChannels(), 3);
        batchNorm(l, "bn1", w);
        int in = w;
        for (int stage = 0; stage < 3; stage++) {
            int out = w << stage;
            for (int b = 0; b < c.blocksPerStage(); b++) {
                String p = "layer" + (stage + 1) + "." + b;
                int stride = stage > 0 && b == 0 ? 2 : 1;
                conv(l, p + ".conv1", out, in, 3);
                batchNorm(l, p + ".bn1", out);
                conv(l, p + ".conv2", out, out, 3);
                batchNorm(l, p + ".bn2", out);
                if (stride != 1 || in != out) {
                    conv(l, p + ".downsample.0", out, in, 1);
                    batchNorm(l, p + ".downsample.1", out);
                }
                in = out;
            }
        }
        if (c.head() == HeadType.MLP) {
            linear(l, "head.0", c.headHidden(), in);
            linear(l, "head.2", c.outputDimension(), c.headHidden());
        } else if (c.head() == HeadType.LINEAR) {
            linear(l, "fc", c.outputDimension(), in);
        }
        return l;
    }

    private static void conv(TensorLayout l, String name, int out, int in, int k) {
        l.parameter(name + ".weight", TensorLayout.Init.KAIMING_NORMAL_FAN_OUT, (long) out * k * k, out, in, k, k);
    }

    private static void batchNorm(TensorLayout l, String name, int channels) {
        l.parameter(name + ".weight", TensorLayout.Init.ONES, 0, channels);
        l.parameter(name + ".bias", TensorLayout.Init.ZEROS, 0, channels);
        l.buffer(name + ".running_mean", TensorLayout.Init.ZEROS, channels);
        l.buffer(name + ".running_var", TensorLayout.Init.ONES, channels);
    }

    private static void linear(TensorLayout l, String name, int out, int in) {
        l.parameter(name + ".weight", TensorLayout.Init.UNIFORM_FAN_IN, in, out, in);
        l.parameter(name + ".bias", TensorLayout.Init.UNIFORM_FAN_IN, in, out);
    }

    /** A training pass: its activations stay in a pooled arena until its backward. */
    final class FastPass implements Pass {
        private final ExecutionPlan plan;
        private final ExecutionPlan.PassBuffers buffers;
        private final int groups;
        private final INDArray output;
        private boolean done;
        private boolean recycled;

        FastPass(ExecutionPlan plan, ExecutionPlan.PassBuffers buffers, int groups) {
            this.plan = plan;
            this.buffers = buffers;
            this.groups = groups;
            this.output = buffers.output();
        }

        @Override
        public INDArray output() {
            requireNotRecycled();
            return output;
        }

        @Override
        public void backward(INDArray outputGradient) {
            requireNotRecycled();
            if (done) {
                throw new IllegalStateException("this pass was already back-propagated (at most once per pass)");
            }
            if (outputGradient.rank() != 2 || outputGradient.size(0) != plan.batch
                    || outputGradient.size(1) != config.featureDimension()) {
                throw new IllegalArgumentException("output gradient must be [" + plan.batch + ", "
                        + config.featureDimension() + "] but is " + java.util.Arrays.toString(outputGradient.shape()));
            }
            plan.backward(buffers, outputGradient, groups, gradientSlots);
            gradients.addi(passGradients);
            done = true;
            plan.release(buffers);
        }

        void recycled() {
            recycled = true;
        }

        private void requireNotRecycled() {
            if (recycled) {
                throw new IllegalStateException("this training pass's activations were reused: more than "
                        + maxLivePasses + " passes of batch " + plan.batch + " were started before its backward"
                        + " (construct FastResNet with a larger maxLivePasses)");
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
}
