package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.moco.api.kit.StepWorkspace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A network on the fast path for one input shape [N, C, H, W]: an ordered composition of
 * {@link FastUnit}s over {@link Activation}s, with the memory plans of its kinds of passes
 * ({@link MemoryPlan}) and their arenas ({@link ArenaPool}); a backward's gradients live in its
 * training pass's arena. A unit's inputs are activations made earlier, so the order of {@link #add}
 * is a valid execution order; the backward runs it in reverse.
 *
 * <pre>{@code
 * FastNetwork net = new FastNetwork(images);                     // the input activation
 * Activation c = net.add(new ConvUnit(spec, net.input(), net.activation("conv1", 16, 28, 28, tag), w, dw, alg));
 * ...
 * }</pre>
 *
 * <p>With G &gt; 1 normalisation groups, every activation holds the batch group-interleaved
 * (image i of group g at position i·G + g; see {@link BatchNormUnit}); tensors are put in and
 * read out in the caller's order.
 */
final class FastNetwork implements AutoCloseable {

    private final List<Activation> activations = new ArrayList<>();
    private final List<FastUnit> units = new ArrayList<>();
    private final List<UnitAddresses> addresses = new ArrayList<>();
    private final List<Activation> stages = new ArrayList<>();
    private final Activation input;
    private Activation pooled;
    private Activation output;
    private final ArenaPool arenas;
    private final Map<String, MemoryPlan.Activations> activationPlans = new HashMap<>();
    /** By training plan, then by entry ids (with -1 last when the input gradient is computed). */
    private final Map<MemoryPlan.Activations, Map<List<Integer>, MemoryPlan.Gradients>> gradientPlans =
            new IdentityHashMap<>();
    private final Map<Integer, DnnlOp> sums = new HashMap<>();
    private final Map<Integer, PlainCopy> plainCopies = new HashMap<>();
    private Bf16Scratch bf16Scratch;
    private final ScratchBuffer weightScratch = new ScratchBuffer();

    /** @param input the input activation's shape and layout (its id is assigned here) */
    FastNetwork(long batch, long channels, long height, long width, int tag, int maxLivePasses) {
        this.input = activation("input", batch, channels, height, width, tag);
        this.arenas = new ArenaPool(maxLivePasses);
    }

    Activation input() {
        return input;
    }

    long batch() {
        return input.batch();
    }

    /** A new activation of this network's batch. */
    Activation activation(String name, long channels, long height, long width, int tag) {
        return activation(name, input.batch(), channels, height, width, tag);
    }

    private Activation activation(String name, long batch, long channels, long height, long width, int tag) {
        Activation a = new Activation(activations.size(), name, batch, channels, height, width, tag);
        activations.add(a);
        return a;
    }

    /** Appends {@code unit}, whose inputs must be activations of this network made before its output. */
    Activation add(FastUnit unit) {
        for (Activation in : unit.inputs()) {
            if (in.id() >= unit.output().id() || activations.get(in.id()) != in) {
                throw new IllegalArgumentException(unit.name() + ": input " + in.name() + " is not an earlier activation");
            }
        }
        units.add(unit);
        addresses.add(new UnitAddresses(unit.inputs().size(), weightScratch));
        return unit.output();
    }

    /** Marks the output of a stage (C2–C5, or the small nets' three), shallowest first. */
    void markStage(Activation a) {
        stages.add(a);
    }

    void setPooled(Activation a) {
        pooled = a;
    }

    void setOutput(Activation a) {
        output = a;
    }

    List<Activation> stages() {
        return stages;
    }

    Activation pooled() {
        return pooled;
    }

    Activation output() {
        return output;
    }

    List<FastUnit> units() {
        return units;
    }

    ArenaPool arenas() {
        return arenas;
    }

    /** The plan of a training (backward follows) or forward-only pass; stage outputs kept when exported. */
    MemoryPlan.Activations activationPlan(boolean training, boolean exportStages, int groups) {
        return activationPlans.computeIfAbsent(training + "/" + exportStages + "/" + groups, k -> {
            Set<Activation> exported = new LinkedHashSet<>(List.of(pooled, output));
            if (exportStages) {
                exported.addAll(stages);
            }
            return MemoryPlan.activations(units, activations, input, training, exported, groups);
        });
    }

    /**
     * The plan of a backward whose gradients arrive at {@code entries}, after a training pass
     * planned as {@code activations}; its {@link MemoryPlan.Gradients#floats()} is the size of
     * that pass's arena.
     */
    MemoryPlan.Gradients gradientPlan(MemoryPlan.Activations activations, List<Activation> entries) {
        return gradientPlan(activations, entries, false);
    }

    /** As {@link #gradientPlan}, but also computing the gradient at the network's input ({@link #readInputGradient}). */
    MemoryPlan.Gradients gradientPlanWithInputGradient(MemoryPlan.Activations activations, List<Activation> entries) {
        return gradientPlan(activations, entries, true);
    }

    private MemoryPlan.Gradients gradientPlan(MemoryPlan.Activations activations, List<Activation> entries,
                                              boolean inputGradient) {
        List<Integer> key = new ArrayList<>(entries.stream().map(Activation::id).toList());
        if (inputGradient) {
            key.add(-1);
        }
        return gradientPlans.computeIfAbsent(activations, a -> new HashMap<>())
                .computeIfAbsent(key, k -> MemoryPlan.gradients(units, input, entries, inputGradient, activations));
    }

    /** The input gradient of the last backward in {@code arena} run with a plan that computes it, in the caller's batch order. */
    INDArray readInputGradient(Arena arena, MemoryPlan.Gradients plan, int groups) {
        INDArray result = Nd4j.create(DataType.FLOAT, input.shape());
        if (plan.inputGradient() < 0) {
            return result;
        }
        if (input.isMatrix() || input.tag() == dnnl_nchw) {
            deinterleave(arena.view(plan.inputGradient(), input.shape()), result, groups);
        } else {
            PlainCopy copy = plainCopy(input);
            copy.toPlain.bind(0, arena.base() + (long) Float.BYTES * plan.inputGradient())
                    .bind(1, Dnnl.address(copy.plain)).run();
            deinterleave(copy.plain, result, groups);
        }
        return result;
    }

    /** Runs every unit over {@code images} (caller's batch order) in {@code arena}. */
    void forward(Arena arena, MemoryPlan.Activations plan, INDArray images, int groups) {
        long base = arena.base();
        if (input.isMatrix() || input.tag() == dnnl_nchw) {
            interleave(images, arena.view(plan.offsets()[input.id()], input.shape()), groups);
        } else {
            PlainCopy copy = plainCopy(input);
            interleave(images, copy.plain, groups);
            copy.fromPlain.bind(0, Dnnl.address(copy.plain)).bind(1, plan.address(base, input)).run();
        }
        for (int k = 0; k < units.size(); k++) {
            FastUnit u = units.get(k);
            UnitAddresses a = addresses.get(k);
            for (int i = 0; i < a.inputs.length; i++) {
                a.inputs[i] = plan.address(base, u.inputs().get(i));
            }
            a.output = plan.address(base, u.output());
            a.state = plan.states()[k] < 0 ? 0 : base + (long) Float.BYTES * plan.states()[k];
            u.forward(a, groups);
        }
    }

    /** A copy of activation {@code a} of a finished forward, in the caller's batch order and NCHW (or [N, C]). */
    INDArray read(Arena arena, MemoryPlan.Activations plan, Activation a, int groups) {
        INDArray result = Nd4j.create(DataType.FLOAT, a.shape());
        if (a.isMatrix() || a.tag() == dnnl_nchw) {
            deinterleave(arena.view(plan.offsets()[a.id()], a.shape()), result, groups);
        } else {
            PlainCopy copy = plainCopy(a);
            copy.toPlain.bind(0, plan.address(arena.base(), a)).bind(1, Dnnl.address(copy.plain)).run();
            deinterleave(copy.plain, result, groups);
        }
        return result;
    }

    /**
     * Back-propagates a training pass held in {@code arena}: the gradients in {@code arriving}
     * (one per entry of {@code plan}, caller's batch order) through every unit they reach,
     * overwriting the parameter gradients of every unit (zero where none arrives). The
     * gradients take the arena's memory the plan gives them; the arena grows (keeping its
     * contents) if it was sized for another plan.
     */
    void backward(Arena arena, MemoryPlan.Activations activations, MemoryPlan.Gradients plan,
                  List<INDArray> arriving, int groups) {
        arena.growKeeping(plan.floats());
        long base = arena.base();
        long gradients = base;
        for (int e = 0; e < plan.entries().size(); e++) {
            MemoryPlan.Entry entry = plan.entries().get(e);
            Activation a = this.activations.get(entry.activation());
            if (a.isMatrix() || a.tag() == dnnl_nchw) {
                interleave(arriving.get(e), arena.view(entry.offset(), a.shape()), groups);
            } else {
                PlainCopy copy = plainCopy(a);
                interleave(arriving.get(e), copy.plain, groups);
                copy.fromPlain.bind(0, Dnnl.address(copy.plain)).bind(1, gradients + (long) Float.BYTES * entry.offset()).run();
            }
        }
        for (MemoryPlan.GradientStep step : plan.steps()) {
            FastUnit u = units.get(step.unit());
            if (step.skipped()) {
                u.parameterGradients().forEach(g -> g.assign(0));
                continue;
            }
            for (MemoryPlan.GradientSum sum : step.sums()) {
                add(sum, gradients);
            }
            UnitAddresses a = addresses.get(step.unit());
            for (int i = 0; i < a.inputs.length; i++) {
                a.inputs[i] = activations.address(base, u.inputs().get(i));
                a.inputGradients[i] = step.inputGradients()[i] < 0 ? 0 : gradients + (long) Float.BYTES * step.inputGradients()[i];
            }
            a.output = activations.address(base, u.output());
            a.state = activations.states()[step.unit()] < 0 ? 0 : base + (long) Float.BYTES * activations.states()[step.unit()];
            a.outputGradient = gradients + (long) Float.BYTES * step.outputGradient();
            u.backward(a, groups);
        }
        for (MemoryPlan.GradientSum sum : plan.inputSums()) {
            add(sum, gradients);
        }
    }

    private void add(MemoryPlan.GradientSum sum, long gradients) {
        DnnlOp op = sums.computeIfAbsent(sum.activation().id(), id -> {
            dnnl_memory_desc_t md = sum.activation().md();
            dnnl_binary_desc_t desc = new dnnl_binary_desc_t();
            Dnnl.check(dnnl_binary_desc_init(desc, dnnl_binary_add, md, md, md), "binary_desc_init gradient sum");
            dnnl_primitive_desc pd = Dnnl.primitiveDesc(desc, null, null, sum.activation().name() + " gradient sum");
            return new DnnlOp(pd, sum.activation().name() + " gradient sum",
                    new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}, new dnnl_memory_desc_t[] {md, md, md});
        });
        long target = gradients + (long) Float.BYTES * sum.target();
        long[] addends = sum.addends();
        int first = 0;
        if (sum.fresh()) {
            op.bind(0, gradients + (long) Float.BYTES * addends[0]).bind(1, gradients + (long) Float.BYTES * addends[1])
                    .bind(2, target).run();
            first = 2;
        }
        for (int i = first; i < addends.length; i++) {
            op.bind(0, target).bind(1, gradients + (long) Float.BYTES * addends[i]).bind(2, target).run();
        }
    }

    /** A plain NCHW staging tensor of a blocked activation and the reorders to and from it. */
    private record PlainCopy(INDArray plain, DnnlOp toPlain, DnnlOp fromPlain) {}

    private PlainCopy plainCopy(Activation a) {
        return plainCopies.computeIfAbsent(a.id(), id -> {
            try (MemoryWorkspace outside = StepWorkspace.outside()) {     // created by the first step, kept
                return new PlainCopy(Nd4j.create(DataType.FLOAT, a.shape()),
                        Dnnl.reorder(a.md(), a.md(dnnl_nchw), a.name() + " to nchw"),
                        Dnnl.reorder(a.md(dnnl_nchw), a.md(), a.name() + " from nchw"));
            }
        });
    }

    /**
     * Copies a batch into {@code target} in the group-interleaved order the BN units expect
     * for G &gt; 1 groups (image i of group g at position i·G + g).
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

    /** oneDNN's chosen implementation of every unit. */
    String implementations() {
        StringBuilder b = new StringBuilder();
        for (FastUnit u : units) {
            b.append(u.name()).append(": ").append(u.implementations()).append('\n');
        }
        return b.toString();
    }

    /** Bytes of the arenas (activations and gradients) allocated so far. */
    long arenaBytes() {
        return arenas.bytes();
    }

    /** Bytes of the buffer the units share for weights and weight gradients in their primitives' layouts. */
    long weightScratchBytes() {
        return weightScratch.bytes();
    }

    /** {@return the bf16 copies the network's convolutions share in {@link Precision#BF16}, created on first use} */
    Bf16Scratch bf16Scratch() {
        if (bf16Scratch == null) {
            bf16Scratch = new Bf16Scratch();
        }
        return bf16Scratch;
    }

    @Override
    public void close() {
        arenas.close();
        if (bf16Scratch != null) {
            bf16Scratch.close();
        }
        weightScratch.close();
        for (FastUnit u : units) {
            u.close();
        }
        sums.values().forEach(DnnlOp::close);
        for (PlainCopy c : plainCopies.values()) {
            c.toPlain.close();
            c.fromPlain.close();
            c.plain.close();
        }
        sums.clear();
        plainCopies.clear();
    }
}
