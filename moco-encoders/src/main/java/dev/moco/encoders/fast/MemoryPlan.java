package dev.moco.encoders.fast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where one kind of pass of a {@link FastNetwork} keeps its tensors, planned once from the
 * units' lifetimes. Offsets are in floats from an arena's base; an address is
 * {@code base + Float.BYTES * offset}.
 *
 * <p>{@link Activations}: a training pass keeps every tensor some backward reads (a conv's
 * input, a BN's input, a ReLU join's output) and every exported one until the end of the
 * forward; any other tensor, and everything in a forward-only pass, shares memory once its last
 * reader has run.
 *
 * <p>{@link Gradients}: the backward runs the units in reverse, in the same arena as the
 * training pass's activations. Each gradient a unit writes is a buffer; a tensor read by
 * several units (a block input feeding the residual branch and the shortcut) collects one
 * buffer per reader, summed in place into one of them just before the tensor's producer runs.
 * A kept activation (or per-pass state) is given to the gradients once the last backward that
 * reads it has run; exported activations stay. A unit no gradient reaches is skipped
 * ({@link GradientStep#skipped}).
 */
final class MemoryPlan {

    private MemoryPlan() {}

    /** Never freed: kept for the backward, or exported to the caller. */
    private static final int FOREVER = Integer.MAX_VALUE;

    /**
     * @param offsets offset of each activation, by id
     * @param states offset of each unit's per-pass state (-1 if it has none)
     * @param floats size of the arena the forward needs
     * @param kept for a training pass, what is still placed when its forward ends (empty for a forward-only pass)
     */
    record Activations(long[] offsets, long[] states, long floats, List<Kept> kept) {
        long address(long base, Activation a) {
            return base + (long) Float.BYTES * offsets[a.id()];
        }
    }

    /**
     * A block a training pass's forward leaves placed for its backward or its caller, free from
     * the end of unit {@code lastReader}'s backward on ({@link #EXPORTED}: never, during the backward).
     */
    record Kept(long offset, long floats, int lastReader) {
        static final int EXPORTED = -1;
    }

    /** The gradient at {@code activation} that the caller writes at {@code offset} before a backward. */
    record Entry(int activation, long offset) {}

    /**
     * Completes the gradient of {@code activation} in {@code target} before its producer's
     * backward: {@code target += addend} for each addend, in place; or, when {@code fresh}
     * (no addend could be overwritten, each being shared with another tensor),
     * {@code target = addends[0] + addends[1] + ...}.
     */
    record GradientSum(Activation activation, long target, long[] addends, boolean fresh) {}

    /**
     * One unit's backward: its output gradient and the input gradients it writes (-1: none
     * wanted), after the sums that complete its output gradient; {@code skipped} when no
     * gradient reaches it.
     */
    record GradientStep(int unit, boolean skipped, long outputGradient, long[] inputGradients, List<GradientSum> sums) {}

    /**
     * The backward of one set of entry points: its steps, in execution order, and the scratch
     * size; when the network's input gradient was asked for, where it ends up
     * ({@code inputGradient}, -1 otherwise) after {@code inputSums}.
     */
    record Gradients(List<Entry> entries, List<GradientStep> steps, List<GradientSum> inputSums, long inputGradient,
                     long floats) {}

    /**
     * Plans the activations of a pass.
     *
     * @param training whether a backward will follow (keep what it reads)
     * @param exported activations the caller reads after the forward
     * @param groups the pass's normalisation groups (sizes the BN statistics)
     */
    static Activations activations(List<FastUnit> units, List<Activation> all, Activation input, boolean training,
                                   Set<Activation> exported, int groups) {
        int count = all.size();
        int[] end = new int[count];
        Arrays.fill(end, -1);
        int[] lastBackwardReader = new int[count];     // the backward runs in reverse: the first unit reading it is the last
        Arrays.fill(lastBackwardReader, FOREVER);
        for (int k = 0; k < units.size(); k++) {
            FastUnit u = units.get(k);
            for (int i = 0; i < u.inputs().size(); i++) {
                int id = u.inputs().get(i).id();
                boolean kept = training && u.backwardReadsInput(i);
                end[id] = Math.max(end[id], kept ? FOREVER : k);
                if (kept) {
                    lastBackwardReader[id] = Math.min(lastBackwardReader[id], k);
                }
            }
            int out = u.output().id();
            boolean kept = training && u.backwardReadsOutput();
            end[out] = Math.max(end[out], kept ? FOREVER : k);
            if (kept) {
                lastBackwardReader[out] = Math.min(lastBackwardReader[out], k);
            }
        }
        for (Activation a : exported) {
            end[a.id()] = FOREVER;
        }
        OffsetAllocator arena = new OffsetAllocator();
        long[] offsets = new long[count];
        long[] states = new long[units.size()];
        Arrays.fill(states, -1);
        offsets[input.id()] = arena.allocate(input.floats());
        List<List<long[]>> freeAfter = new ArrayList<>();
        for (int k = 0; k < units.size(); k++) {
            freeAfter.add(new ArrayList<>());
        }
        if (end[input.id()] != FOREVER) {
            freeAfter.get(Math.max(0, end[input.id()])).add(new long[] {offsets[input.id()], input.floats()});
        }
        for (int k = 0; k < units.size(); k++) {
            FastUnit u = units.get(k);
            long stateFloats = u.stateFloats(groups);
            if (stateFloats > 0) {
                states[k] = arena.allocate(stateFloats);
                if (!training) {
                    freeAfter.get(k).add(new long[] {states[k], stateFloats});
                }
            }
            Activation out = u.output();
            offsets[out.id()] = arena.allocate(out.floats());
            if (end[out.id()] != FOREVER) {
                freeAfter.get(Math.max(k, end[out.id()])).add(new long[] {offsets[out.id()], out.floats()});
            }
            for (long[] block : freeAfter.get(k)) {
                arena.free(block[0], block[1]);
            }
        }
        List<Kept> kept = new ArrayList<>();
        if (training) {
            for (Activation a : all) {
                if (end[a.id()] == FOREVER) {
                    kept.add(new Kept(offsets[a.id()], a.floats(),
                            exported.contains(a) ? Kept.EXPORTED : lastBackwardReader[a.id()]));
                }
            }
            for (int k = 0; k < units.size(); k++) {
                if (states[k] >= 0) {
                    kept.add(new Kept(states[k], units.get(k).stateFloats(groups), k));
                }
            }
        }
        return new Activations(offsets, states, arena.size(), List.copyOf(kept));
    }

    /** One gradient buffer: its size, the activations it is (part of) the gradient of, and its place. */
    private static final class Buffer {
        final long floats;
        final List<Activation> of = new ArrayList<>();
        int lastRead;
        long offset;

        Buffer(long floats) {
            this.floats = floats;
        }
    }

    /**
     * Plans the backward for gradients arriving at {@code entries} (the network output, or
     * stage outputs and the pooled vector), in the arena of a training pass planned as
     * {@code activations}: the gradients take what the forward left free and what the backward
     * frees as it goes; {@link Gradients#floats()} is the arena's size for both.
     */
    static Gradients gradients(List<FastUnit> units, Activation input, List<Activation> entries, boolean inputGradient,
                               Activations activations) {
        if (activations.kept().isEmpty()) {
            throw new IllegalArgumentException("a backward needs the activations of a training pass, not a forward-only one");
        }
        Map<Integer, List<Buffer>> contributions = new HashMap<>();
        List<Buffer> buffers = new ArrayList<>();
        List<Integer> writtenAt = new ArrayList<>();
        List<Buffer> entryBuffers = new ArrayList<>();
        for (Activation e : entries) {
            Buffer b = new Buffer(e.floats());
            b.of.add(e);
            buffers.add(b);
            writtenAt.add(0);
            entryBuffers.add(b);
            contributions.computeIfAbsent(e.id(), x -> new ArrayList<>()).add(b);
        }
        // time 0: entries written; time t >= 1: the backward of unit units.size() - t
        record StepBuffers(int unit, Buffer target, List<Buffer> addends, Buffer[] inputs, boolean fresh) {}
        List<StepBuffers> plannedSteps = new ArrayList<>();
        for (int k = units.size() - 1, time = 1; k >= 0; k--, time++) {
            FastUnit u = units.get(k);
            List<Buffer> arriving = contributions.getOrDefault(u.output().id(), List.of());
            if (arriving.isEmpty()) {
                plannedSteps.add(new StepBuffers(k, null, List.of(), null, false));
                continue;
            }
            Buffer target = arriving.stream().filter(b -> b.of.size() == 1).findFirst().orElse(null);
            List<Buffer> addends = new ArrayList<>(arriving);
            boolean fresh = arriving.size() > 1 && target == null;
            if (fresh) {
                target = new Buffer(u.output().floats());
                target.of.add(u.output());
                buffers.add(target);
                writtenAt.add(time);
            } else {
                if (target == null) {
                    target = arriving.get(0);
                }
                addends.remove(target);
            }
            for (Buffer b : arriving) {
                b.lastRead = Math.max(b.lastRead, time);
            }
            target.lastRead = Math.max(target.lastRead, time);
            int[] sharing = u.inputGradientSharing();
            Buffer[] inputBuffers = new Buffer[u.inputs().size()];
            Map<Integer, Buffer> byShare = new HashMap<>();
            for (int i = 0; i < inputBuffers.length; i++) {
                Activation in = u.inputs().get(i);
                if (in.id() == input.id() && !inputGradient) {
                    continue;
                }
                Buffer b = byShare.get(sharing[i]);
                if (b == null) {
                    b = new Buffer(in.floats());
                    byShare.put(sharing[i], b);
                    buffers.add(b);
                    writtenAt.add(time);
                }
                b.of.add(in);
                inputBuffers[i] = b;
                contributions.computeIfAbsent(in.id(), x -> new ArrayList<>()).add(b);
            }
            plannedSteps.add(new StepBuffers(k, target, addends, inputBuffers, fresh));
        }
        // the input gradient, if wanted, is summed at a last step and read by the caller
        int steps = units.size() + 2;
        List<Buffer> inputArriving = contributions.getOrDefault(input.id(), List.of());
        Buffer inputTarget = null;
        List<Buffer> inputAddends = new ArrayList<>();
        if (inputGradient && !inputArriving.isEmpty()) {
            inputTarget = inputArriving.stream().filter(b -> b.of.size() == 1).findFirst().orElse(null);
            inputAddends.addAll(inputArriving);
            if (inputTarget == null && inputArriving.size() == 1) {
                inputTarget = inputArriving.get(0);
            }
            if (inputTarget == null) {
                inputTarget = new Buffer(input.floats());
                inputTarget.of.add(input);
                buffers.add(inputTarget);
                writtenAt.add(steps - 1);
            } else {
                inputAddends.remove(inputTarget);
            }
            for (Buffer b : inputArriving) {
                b.lastRead = steps;   // never freed: the caller reads it
            }
            inputTarget.lastRead = steps;
        }
        // place the buffers: allocated when written, freed after their last read, around the kept activations
        OffsetAllocator arena = OffsetAllocator.around(activations.floats(), activations.kept());
        Map<Integer, List<Kept>> keptFreedAt = new HashMap<>();
        for (Kept k : activations.kept()) {
            if (k.lastReader() != Kept.EXPORTED) {
                keptFreedAt.computeIfAbsent(units.size() - k.lastReader(), t -> new ArrayList<>()).add(k);
            }
        }
        List<List<Buffer>> byWrite = new ArrayList<>();
        List<List<Buffer>> byFree = new ArrayList<>();
        for (int t = 0; t < steps; t++) {
            byWrite.add(new ArrayList<>());
            byFree.add(new ArrayList<>());
        }
        for (int i = 0; i < buffers.size(); i++) {
            Buffer b = buffers.get(i);
            byWrite.get(writtenAt.get(i)).add(b);
            if (b.lastRead < steps) {
                byFree.get(Math.max(writtenAt.get(i), b.lastRead)).add(b);
            }
        }
        for (int t = 0; t < steps; t++) {
            for (Buffer b : byWrite.get(t)) {
                b.offset = arena.allocate(b.floats);
            }
            for (Buffer b : byFree.get(t)) {
                arena.free(b.offset, b.floats);
            }
            for (Kept k : keptFreedAt.getOrDefault(t, List.of())) {
                arena.free(k.offset(), k.floats());
            }
        }
        List<Entry> entryList = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            entryList.add(new Entry(entries.get(i).id(), entryBuffers.get(i).offset));
        }
        List<GradientStep> stepList = new ArrayList<>();
        for (StepBuffers s : plannedSteps) {
            FastUnit u = units.get(s.unit());
            if (s.target() == null) {
                stepList.add(new GradientStep(s.unit(), true, -1, null, List.of()));
                continue;
            }
            boolean fresh = s.fresh();
            List<GradientSum> sums = s.addends().isEmpty() ? List.of() : List.of(new GradientSum(u.output(),
                    s.target().offset, s.addends().stream().mapToLong(b -> b.offset).toArray(), fresh));
            long[] inputOffsets = new long[s.inputs().length];
            for (int i = 0; i < inputOffsets.length; i++) {
                inputOffsets[i] = s.inputs()[i] == null ? -1 : s.inputs()[i].offset;
            }
            stepList.add(new GradientStep(s.unit(), false, s.target().offset, inputOffsets, sums));
        }
        List<GradientSum> inputSums = List.of();
        if (inputTarget != null && !inputAddends.isEmpty()) {
            boolean fresh = !inputArriving.contains(inputTarget);
            inputSums = List.of(new GradientSum(input, inputTarget.offset,
                    inputAddends.stream().mapToLong(b -> b.offset).toArray(), fresh));
        }
        return new Gradients(entryList, stepList, inputSums, inputTarget == null ? -1 : inputTarget.offset, arena.size());
    }
}
