package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import dev.moco.encoders.HeadType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Everything to run one {@link FastResNet} on batches of one shape [N, C, H, W]: the oneDNN
 * primitives of every layer, created once; the layout of a pass's activations in one arena;
 * a small pool of such arenas (one per live pass); shared scratch and gradient buffers.
 *
 * <p>Per pass, the arena holds the input copy, the stem and every block's kept tensors, the
 * pooled representation, the head's hidden layer and output, plus the BN statistics for the
 * pass's number of normalisation groups. Nothing in the hot path allocates once the pool is
 * warm: a training pass takes an arena and gives it back after its backward.
 */
final class ExecutionPlan {

    final long batch;
    final long height;
    final long width;
    private final FastResNetConfig config;
    private final int tag;
    private final int algorithm;
    private final int maxLivePasses;

    private final ConvUnit stemConv;
    private final BatchNormUnit stemBn;
    private final List<BasicBlockUnit> blocks = new ArrayList<>();
    private final GlobalAveragePoolUnit pool;
    private final ProjectionHeadUnit head;
    private final List<BatchNormUnit> batchNorms = new ArrayList<>();

    /** Tensor places of training passes (everything the backward needs kept). */
    private final Layout kept;
    /** Tensor places of forward-only passes (three rotating buffers). */
    private final Layout rotating;
    private final long largestTensor;
    private final INDArray scratch;

    private final Map<Integer, long[]> statsOffsets = new HashMap<>();
    private final Map<Integer, Long> statsFloats = new HashMap<>();
    private final List<PassBuffers> arenas = new ArrayList<>();
    private final Deque<PassBuffers> live = new ArrayDeque<>();
    private GradientBuffers gradientBuffers;
    private PassBuffers forwardOnly;

    ExecutionPlan(FastResNetConfig config, int tag, int algorithm, int maxLivePasses, long batch, long height, long width,
                  Map<String, INDArray> params, Map<String, INDArray> buffers) {
        this.config = config;
        this.tag = tag;
        this.algorithm = algorithm;
        this.maxLivePasses = maxLivePasses;
        this.batch = batch;
        this.height = height;
        this.width = width;
        ArenaLayout arena = new ArenaLayout();
        long inputOffset = arena.reserve(batch * config.inputChannels() * height * width);
        stemConv = new ConvUnit("conv1", params.get("conv1.weight"), batch, height, width, 1, 1, dnnl_nchw, tag, algorithm);
        stemBn = batchNorm("bn1", config.baseWidth(), height, width, true, params, buffers);
        long stemConvOffset = arena.reserve(batch * config.baseWidth() * height * width);
        long stemBnOffset = arena.reserve(batch * config.baseWidth() * height * width);
        long largest = batch * config.baseWidth() * height * width;
        long input = stemBnOffset;
        long h = height;
        long w = width;
        int inChannels = config.baseWidth();
        for (int stage = 0; stage < 3; stage++) {
            int channels = config.baseWidth() << stage;
            for (int b = 0; b < config.blocksPerStage(); b++) {
                String prefix = "layer" + (stage + 1) + "." + b;
                int stride = stage > 0 && b == 0 ? 2 : 1;
                ConvUnit c1 = new ConvUnit(prefix + ".conv1", params.get(prefix + ".conv1.weight"), batch, h, w, stride, 1,
                        tag, tag, algorithm);
                long oh = c1.outHeight;
                long ow = c1.outWidth;
                BatchNormUnit b1 = batchNorm(prefix + ".bn1", channels, oh, ow, true, params, buffers);
                ConvUnit c2 = new ConvUnit(prefix + ".conv2", params.get(prefix + ".conv2.weight"), batch, oh, ow, 1, 1,
                        tag, tag, algorithm);
                BatchNormUnit b2 = batchNorm(prefix + ".bn2", channels, oh, ow, false, params, buffers);
                ConvUnit proj = null;
                BatchNormUnit projBn = null;
                if (stride != 1 || inChannels != channels) {
                    proj = new ConvUnit(prefix + ".downsample.0", params.get(prefix + ".downsample.0.weight"), batch, h, w,
                            stride, 0, tag, tag, algorithm);
                    projBn = batchNorm(prefix + ".downsample.1", channels, oh, ow, false, params, buffers);
                }
                ResidualJoin join = new ResidualJoin(prefix, batch, channels, oh, ow, inChannels, h, w, tag);
                BasicBlockUnit block = new BasicBlockUnit(prefix, c1, b1, c2, b2, proj, projBn, join, batch, h, w);
                block.reserve(arena, input);
                blocks.add(block);
                input = block.kept.output();
                largest = Math.max(largest, Math.max(block.inputFloats, block.outputFloats));
                h = oh;
                w = ow;
                inChannels = channels;
            }
        }
        int representation = config.representationDimension();
        pool = new GlobalAveragePoolUnit("avgpool", batch, representation, h, w, tag);
        long pooledOffset = arena.reserve(batch * representation);
        long hiddenFloats = config.head() == HeadType.MLP ? batch * config.headHidden() : 1;
        long outputFloats = config.head() == HeadType.NONE ? 0 : batch * config.featureDimension();
        if (config.head() == HeadType.MLP) {
            head = new ProjectionHeadUnit(params.get("head.0.weight"), params.get("head.0.bias"),
                    params.get("head.2.weight"), params.get("head.2.bias"));
        } else if (config.head() == HeadType.LINEAR) {
            head = new ProjectionHeadUnit(params.get("fc.weight"), params.get("fc.bias"), null, null);
        } else {
            head = null;
        }
        long hiddenOffset = arena.reserve(hiddenFloats);
        long outputOffset = head == null ? pooledOffset : arena.reserve(outputFloats);
        List<BasicBlockUnit.Slots> keptSlots = new ArrayList<>();
        blocks.forEach(b -> keptSlots.add(b.kept));
        kept = new Layout(inputOffset, stemConvOffset, stemBnOffset, keptSlots, pooledOffset, hiddenOffset, outputOffset,
                arena.size());

        ArenaLayout r = new ArenaLayout();
        long rInput = r.reserve(batch * config.inputChannels() * height * width);
        long[] slot = {r.reserve(largest), r.reserve(largest), r.reserve(largest)};
        List<BasicBlockUnit.Slots> rotatingSlots = new ArrayList<>();
        int x = 1;
        for (int i = 0; i < blocks.size(); i++) {
            int a = (x + 1) % 3;
            int b = (x + 2) % 3;
            rotatingSlots.add(BasicBlockUnit.rotating(slot[x], slot[a], slot[b]));
            x = a;
        }
        long rPooled = r.reserve(batch * representation);
        long rHidden = r.reserve(hiddenFloats);
        long rOutput = head == null ? rPooled : r.reserve(outputFloats);
        rotating = new Layout(rInput, slot[0], slot[1], rotatingSlots, rPooled, rHidden, rOutput, r.size());
        largestTensor = largest;
        scratch = Nd4j.create(DataType.FLOAT, 2 * largest + 32);
    }

    private BatchNormUnit batchNorm(String name, int channels, long h, long w, boolean relu,
                                    Map<String, INDArray> params, Map<String, INDArray> buffers) {
        BatchNormUnit bn = new BatchNormUnit(name, batch, channels, h, w, tag, relu, params.get(name + ".weight"),
                params.get(name + ".bias"), buffers.get(name + ".running_mean"), buffers.get(name + ".running_var"));
        batchNorms.add(bn);
        return bn;
    }

    /** Bytes of one training pass's activation arena (without BN statistics). */
    long arenaBytes() {
        return 4 * kept.floats();
    }

    /** Where a pass's tensors live in its arena (offsets in floats). */
    record Layout(long input, long stemConv, long stemBn, List<BasicBlockUnit.Slots> blocks, long pooled, long hidden,
                  long output, long floats) {}

    /**
     * Runs the network. {@code groups} ≥ 1 is a training pass (batch statistics in G groups);
     * 0 is inference (running statistics). With {@code keep}, the pass keeps what its backward
     * needs in an arena of the pool; otherwise it runs in the plan's one forward-only arena,
     * which the caller must {@link #release} before the next forward-only pass. Returns the
     * arena holding the pass's output.
     */
    PassBuffers forward(INDArray input, int groups, boolean keep) {
        PassBuffers p = keep ? acquire() : transientArena();
        Layout l = p.layout;
        interleave(input, p.input, groups);
        long base = p.address;
        long[] stats = groups > 0 ? p.stats(groups) : null;
        long scratchAddress = Dnnl.address(scratch);
        stemConv.forward(base + 4 * l.input(), base + 4 * l.stemConv());
        if (groups > 0) {
            stemBn.forwardTraining(base + 4 * l.stemConv(), base + 4 * l.stemBn(), groups, stats[0]);
        } else {
            stemBn.forwardInference(base + 4 * l.stemConv(), base + 4 * l.stemBn());
        }
        int bn = 1;
        long[] blockStats = new long[3];
        for (int i = 0; i < blocks.size(); i++) {
            BasicBlockUnit block = blocks.get(i);
            if (groups > 0) {
                blockStats[0] = stats[bn];
                blockStats[1] = stats[bn + 1];
                blockStats[2] = block.projection != null ? stats[bn + 2] : 0;
            }
            bn += block.projection != null ? 3 : 2;
            block.forward(base, l.blocks().get(i), scratchAddress, groups, blockStats);
        }
        pool.forward(base + 4 * l.blocks().get(blocks.size() - 1).output(), base + 4 * l.pooled());
        if (head != null) {
            head.forward(p.pooled, p.hidden, p.output);
        }
        p.groups = groups;
        return p;
    }

    /**
     * Copies a batch into {@code target} in the group-interleaved order the BN units expect
     * for G &gt; 1 groups (image i of group g at position i·G + g; see {@link BatchNormUnit}).
     */
    static void interleave(INDArray batchInGroupOrder, INDArray target, int groups) {
        if (groups <= 1) {
            target.assign(batchInGroupOrder);
            return;
        }
        long n = target.size(0);
        long rest = target.length() / n;
        target.reshape('c', n / groups, groups, rest)
                .assign(batchInGroupOrder.reshape('c', groups, n / groups, rest).permute(1, 0, 2));
    }

    /** The inverse of {@link #interleave}: writes {@code interleaved} back in group order into {@code target}. */
    static void deinterleave(INDArray interleaved, INDArray target, int groups) {
        if (groups <= 1) {
            target.assign(interleaved);
            return;
        }
        long n = target.size(0);
        long rest = target.length() / n;
        target.reshape('c', groups, n / groups, rest)
                .assign(interleaved.reshape('c', n / groups, groups, rest).permute(1, 0, 2));
    }

    /**
     * Back-propagates {@code diffOutput} through a training pass held in {@code p}, writing
     * every parameter gradient into {@code gradients} (overwriting).
     */
    void backward(PassBuffers p, INDArray diffOutput, int groups, ParameterGradients gradients) {
        GradientBuffers g = gradients();
        long base = p.address;
        long[] stats = p.stats(groups);
        if (head != null) {
            interleave(diffOutput, g.diffOutput, groups);
            head.backward(g.diffOutput, p.pooled, p.hidden, g.diffHidden, g.diffPooled, gradients.head);
        } else {
            interleave(diffOutput, g.diffPooled, groups);
        }
        long current = g.address(0);
        long other = g.address(1);
        long[] temps = {g.address(2), g.address(3), g.address(4), g.address(5)};
        pool.backward(Dnnl.address(g.diffPooled), current);
        int bn = batchNorms.size();
        long[] blockStats = new long[3];
        for (int i = blocks.size() - 1; i >= 0; i--) {
            BasicBlockUnit block = blocks.get(i);
            int count = block.projection != null ? 3 : 2;
            bn -= count;
            blockStats[0] = stats[bn];
            blockStats[1] = stats[bn + 1];
            blockStats[2] = count == 3 ? stats[bn + 2] : 0;
            block.backward(base, current, other, temps, groups, blockStats, gradients.blocks.get(i));
            long t = current;
            current = other;
            other = t;
        }
        stemBn.backward(base + 4 * kept.stemConv(), current, temps[1], groups, stats[0], gradients.stem[1],
                gradients.stem[2]);
        stemConv.backwardWeights(base + 4 * kept.input(), temps[1], gradients.stem[0]);
    }

    private PassBuffers transientArena() {
        if (forwardOnly == null) {
            forwardOnly = new PassBuffers(rotating);
        }
        if (forwardOnly.owner != null) {
            throw new IllegalStateException("the forward-only arena is still in use");
        }
        forwardOnly.owner = this;
        return forwardOnly;
    }

    /** Takes a free arena, or a new one, or — when {@code maxLivePasses} are live — the oldest. */
    private PassBuffers acquire() {
        for (PassBuffers p : arenas) {
            if (p.owner == null) {
                live.addLast(p);
                return p;
            }
        }
        if (arenas.size() < maxLivePasses) {
            PassBuffers p = new PassBuffers(kept);
            arenas.add(p);
            live.addLast(p);
            return p;
        }
        PassBuffers oldest = live.pollFirst();
        oldest.recycle();
        live.addLast(oldest);
        return oldest;
    }

    /** Gives an arena back to the pool (after a backward, or at once for inference). */
    void release(PassBuffers p) {
        p.owner = null;
        if (p != forwardOnly) {
            live.remove(p);
        }
    }

    private GradientBuffers gradients() {
        if (gradientBuffers == null) {
            gradientBuffers = new GradientBuffers();
        }
        return gradientBuffers;
    }

    private long[] statsOffsets(int groups) {
        return statsOffsets.computeIfAbsent(groups, g -> {
            long[] offsets = new long[batchNorms.size()];
            ArenaLayout layout = new ArenaLayout();
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = layout.reserve(batchNorms.get(i).statsFloats(g));
            }
            statsFloats.put(g, layout.size());
            return offsets;
        });
    }

    /** oneDNN's chosen implementation of every primitive created so far. */
    String implementations() {
        StringBuilder b = new StringBuilder();
        b.append(stemConv.name).append(": ").append(stemConv.implementations()).append('\n');
        for (BasicBlockUnit block : blocks) {
            b.append(block.conv1.name).append(": ").append(block.conv1.implementations()).append('\n');
            b.append(block.bn1.name).append(": ").append(block.bn1.implementations()).append('\n');
        }
        return b.toString();
    }

    /** The parameter-gradient views the backward writes into, grouped per unit. */
    static final class ParameterGradients {
        final INDArray[] stem;
        final List<INDArray[]> blocks;
        final INDArray[] head;

        ParameterGradients(FastResNetConfig config, Map<String, INDArray> g) {
            stem = new INDArray[] {g.get("conv1.weight"), g.get("bn1.weight"), g.get("bn1.bias")};
            blocks = new ArrayList<>();
            for (int stage = 1; stage <= 3; stage++) {
                for (int b = 0; b < config.blocksPerStage(); b++) {
                    String p = "layer" + stage + "." + b;
                    blocks.add(new INDArray[] {g.get(p + ".conv1.weight"), g.get(p + ".bn1.weight"), g.get(p + ".bn1.bias"),
                        g.get(p + ".conv2.weight"), g.get(p + ".bn2.weight"), g.get(p + ".bn2.bias"),
                        g.get(p + ".downsample.0.weight"), g.get(p + ".downsample.1.weight"),
                        g.get(p + ".downsample.1.bias")});
                }
            }
            head = switch (config.head()) {
                case MLP -> new INDArray[] {g.get("head.0.weight"), g.get("head.0.bias"), g.get("head.2.weight"),
                    g.get("head.2.bias")};
                case LINEAR -> new INDArray[] {g.get("fc.weight"), g.get("fc.bias")};
                case NONE -> new INDArray[0];
            };
        }
    }

    /** One pass's activation arena, with views for the ND4J side, and its BN statistics. */
    final class PassBuffers {
        final Layout layout;
        final INDArray arena;
        final long address;
        final INDArray input;
        final INDArray pooled;
        final INDArray hidden;
        final INDArray output;
        private final Map<Integer, long[]> statsAddresses = new HashMap<>();
        private final List<INDArray> statsArrays = new ArrayList<>();
        /** The pass currently using this arena, or null when free. */
        Object owner;
        /** Normalisation groups of the pass in this arena (0: inference); G &gt; 1 is stored interleaved. */
        int groups;
        private INDArray orderedOutput;

        PassBuffers(Layout layout) {
            this.layout = layout;
            arena = Nd4j.create(DataType.FLOAT, layout.floats());
            address = Dnnl.address(arena);
            input = view(layout.input(), batch, config.inputChannels(), height, width);
            pooled = view(layout.pooled(), batch, config.representationDimension());
            hidden = config.head() == HeadType.MLP ? view(layout.hidden(), batch, config.headHidden()) : null;
            output = view(layout.output(), batch, config.featureDimension());
        }

        private INDArray view(long offset, long... shape) {
            long length = 1;
            for (long s : shape) {
                length *= s;
            }
            return arena.get(NDArrayIndex.interval(offset, offset + length)).reshape('c', shape);
        }

        /** The output in the caller's batch order: the arena's own view, or (G &gt; 1) a de-interleaved copy. */
        INDArray output() {
            if (groups <= 1) {
                return output;
            }
            if (orderedOutput == null) {
                orderedOutput = Nd4j.create(DataType.FLOAT, output.shape());
            }
            deinterleave(output, orderedOutput, groups);
            return orderedOutput;
        }

        long[] stats(int groups) {
            return statsAddresses.computeIfAbsent(groups, g -> {
                long[] offsets = statsOffsets(g);
                INDArray s = Nd4j.create(DataType.FLOAT, statsFloats.get(g));
                statsArrays.add(s);
                long a = Dnnl.address(s);
                long[] addresses = new long[offsets.length];
                for (int i = 0; i < offsets.length; i++) {
                    addresses[i] = a + 4 * offsets[i];
                }
                return addresses;
            });
        }

        void recycle() {
            if (owner instanceof FastResNet.FastPass pass) {
                pass.recycled();
            }
            owner = null;
        }
    }

    /** Per-plan gradients of activations (one backward runs at a time). */
    final class GradientBuffers {
        final INDArray tensors;
        final INDArray diffOutput;
        final INDArray diffHidden;
        final INDArray diffPooled;
        private final long stride;
        private final long base;

        GradientBuffers() {
            stride = (largestTensor + 15) / 16 * 16;
            tensors = Nd4j.create(DataType.FLOAT, 6 * stride);
            base = Dnnl.address(tensors);
            diffOutput = Nd4j.create(DataType.FLOAT, batch, config.featureDimension());
            diffHidden = Nd4j.create(DataType.FLOAT, batch, Math.max(1, config.headHidden()));
            diffPooled = Nd4j.create(DataType.FLOAT, batch, config.representationDimension());
        }

        long address(int i) {
            return base + 4 * i * stride;
        }
    }
}
