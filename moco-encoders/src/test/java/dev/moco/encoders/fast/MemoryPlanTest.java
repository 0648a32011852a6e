package dev.moco.encoders.fast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.encoders.EncoderSpec;
import dev.moco.encoders.HeadType;
import dev.moco.encoders.Precision;
import dev.moco.encoders.ResNetLayers;
import dev.moco.encoders.nn.ParameterBank;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The backward's gradients share the training pass's arena with the activations the backward
 * still reads: replaying a plan tensor by tensor, every read must find what was written there,
 * not a gradient placed over it; and the shared arena must be smaller than the activations and
 * a separate gradient arena together.
 */
class MemoryPlanTest {

    @BeforeAll
    static void oneDnnLoads() {
        Assumptions.assumeTrue(FastEncoder.isAvailable(), FastEncoder::unavailableReason);
    }

    private static FastNetwork network(String architecture, int channels, int batch, int size, ParameterBank bank) {
        EncoderSpec spec = EncoderSpec.of(architecture).withInputChannels(channels).withHead(HeadType.MLP);
        ResNetLayers.build(spec.topology(), bank);
        bank.allocate(DataType.FLOAT, 1L);
        return ResNetUnits.compose(spec.topology(), bank, batch, size, size, Dnnl.activationTag(),
                ConvUnit.defaultAlgorithm(), Precision.FP32, 1);
    }

    @ParameterizedTest
    @CsvSource({"resnet20, 1, 4, 16, 2", "resnet18, 3, 2, 32, 1", "resnet50, 3, 4, 32, 2"})
    void everyBackwardReadFindsWhatWasWrittenThere(String architecture, int channels, int batch, int size, int groups) {
        ParameterBank bank = new ParameterBank();
        try (FastNetwork net = network(architecture, channels, batch, size, bank)) {
            MemoryPlan.Activations pass = net.activationPlan(true, false, groups);
            MemoryPlan.Gradients g = net.gradientPlan(pass, List.of(net.output()));
            replay(net, pass, g, groups, Set.of(net.output(), net.pooled()));
            replay(net, pass, net.gradientPlanWithInputGradient(pass, List.of(net.output())), groups,
                    Set.of(net.output(), net.pooled()));

            MemoryPlan.Activations stages = net.activationPlan(true, true, groups);
            Set<Activation> exported = new LinkedHashSet<>(net.stages());
            exported.add(net.pooled());
            exported.add(net.output());
            List<Activation> all = new ArrayList<>(net.stages());
            all.add(net.pooled());
            replay(net, stages, net.gradientPlan(stages, all), groups, exported);
            replay(net, stages, net.gradientPlan(stages, List.of(net.stages().get(1))), groups, exported);

            long largest = net.units().stream().mapToLong(u -> u.output().floats()).max().orElseThrow();
            long separate = pass.floats() + MemoryPlan.gradients(net.units(), net.input(), List.of(net.output()), false,
                    new MemoryPlan.Activations(pass.offsets(), pass.states(), OffsetAllocator.ALIGNMENT_FLOATS,
                            List.of(new MemoryPlan.Kept(0, 0, MemoryPlan.Kept.EXPORTED)))).floats();
            assertThat(g.floats()).as("activations and gradients in one arena").isLessThan(separate - largest);
        } finally {
            bank.close();
        }
    }

    /** Which tensor each region of an arena holds: a map of [start, end) regions by start. */
    private static final class Labels {
        private record Region(long end, String tensor) {}

        private final TreeMap<Long, Region> regions = new TreeMap<>();

        void write(long offset, long floats, String tensor) {
            long end = offset + floats;
            Map.Entry<Long, Region> before = regions.lowerEntry(offset);
            if (before != null && before.getValue().end() > offset) {
                regions.put(before.getKey(), new Region(offset, before.getValue().tensor()));
                if (before.getValue().end() > end) {
                    regions.put(end, before.getValue());
                }
            }
            for (Map.Entry<Long, Region> e = regions.ceilingEntry(offset); e != null && e.getKey() < end;
                 e = regions.ceilingEntry(offset)) {
                regions.remove(e.getKey());
                if (e.getValue().end() > end) {
                    regions.put(end, e.getValue());
                }
            }
            regions.put(offset, new Region(end, tensor));
        }

        /** The tensor written last over all of [offset, offset + floats), or what else is there. */
        String at(long offset, long floats) {
            Map.Entry<Long, Region> e = regions.floorEntry(offset);
            if (e == null || e.getKey() != offset || e.getValue().end() != offset + floats) {
                return "not one tensor: " + (e == null ? "nothing" : e.getValue().tensor() + " at " + e.getKey());
            }
            return e.getValue().tensor();
        }
    }

    private static String gradientOf(Activation a) {
        return "gradient of [" + a.name() + "]";
    }

    /** Runs the plan's backward on labels instead of numbers, checking every read. */
    private static void replay(FastNetwork net, MemoryPlan.Activations pass, MemoryPlan.Gradients plan, int groups,
                               Set<Activation> exported) {
        Labels arena = new Labels();
        List<FastUnit> units = net.units();
        for (int k = 0; k < units.size(); k++) {
            FastUnit u = units.get(k);
            for (int i = 0; i < u.inputs().size(); i++) {
                if (u.backwardReadsInput(i)) {
                    Activation in = u.inputs().get(i);
                    arena.write(pass.offsets()[in.id()], in.floats(), in.name());
                }
            }
            if (u.backwardReadsOutput()) {
                arena.write(pass.offsets()[u.output().id()], u.output().floats(), u.output().name());
            }
            if (pass.states()[k] >= 0) {
                arena.write(pass.states()[k], u.stateFloats(groups), "state of " + u.name());
            }
        }
        for (Activation a : exported) {
            arena.write(pass.offsets()[a.id()], a.floats(), a.name());
        }
        Map<Integer, Activation> byId = new HashMap<>();
        units.forEach(u -> byId.put(u.output().id(), u.output()));
        byId.put(net.input().id(), net.input());
        for (MemoryPlan.Entry e : plan.entries()) {
            Activation a = byId.get(e.activation());
            arena.write(e.offset(), a.floats(), gradientOf(a));
        }
        for (MemoryPlan.GradientStep step : plan.steps()) {
            if (step.skipped()) {
                continue;
            }
            FastUnit u = units.get(step.unit());
            step.sums().forEach(sum -> replaySum(arena, sum));
            for (int i = 0; i < u.inputs().size(); i++) {
                Activation in = u.inputs().get(i);
                if (u.backwardReadsInput(i)) {
                    assertThat(arena.at(pass.offsets()[in.id()], in.floats())).as("%s reads its input", u.name())
                            .isEqualTo(in.name());
                }
            }
            if (u.backwardReadsOutput()) {
                assertThat(arena.at(pass.offsets()[u.output().id()], u.output().floats()))
                        .as("%s reads its output", u.name()).isEqualTo(u.output().name());
            }
            if (pass.states()[step.unit()] >= 0) {
                assertThat(arena.at(pass.states()[step.unit()], u.stateFloats(groups))).as("%s reads its state", u.name())
                        .isEqualTo("state of " + u.name());
            }
            assertThat(arena.at(step.outputGradient(), u.output().floats())).as("%s reads its output gradient", u.name())
                    .contains(gradientOf(u.output()));
            Map<Long, String> written = new HashMap<>();
            Map<Long, Long> sizes = new HashMap<>();
            for (int i = 0; i < u.inputs().size(); i++) {
                if (step.inputGradients()[i] >= 0) {
                    written.merge(step.inputGradients()[i], gradientOf(u.inputs().get(i)) + " from " + u.name(),
                            (x, y) -> x + " and " + y);
                    sizes.putIfAbsent(step.inputGradients()[i], u.inputs().get(i).floats());
                }
            }
            written.forEach((offset, what) -> arena.write(offset, sizes.get(offset), what));
        }
        plan.inputSums().forEach(sum -> replaySum(arena, sum));
        if (plan.inputGradient() >= 0) {
            assertThat(arena.at(plan.inputGradient(), net.input().floats())).contains(gradientOf(net.input()));
        }
        for (Activation a : exported) {
            assertThat(arena.at(pass.offsets()[a.id()], a.floats())).as("exported %s after the backward", a.name())
                    .isEqualTo(a.name());
        }
    }

    /** A sum reads distinct contributions to one gradient and leaves the whole gradient in its target. */
    private static void replaySum(Labels arena, MemoryPlan.GradientSum sum) {
        Activation a = sum.activation();
        List<String> read = new ArrayList<>();
        if (!sum.fresh()) {
            read.add(arena.at(sum.target(), a.floats()));
        }
        for (long addend : sum.addends()) {
            read.add(arena.at(addend, a.floats()));
        }
        for (String r : read) {
            assertThat(r).as("a contribution to " + gradientOf(a)).contains(gradientOf(a));
        }
        assertThat(new LinkedHashSet<>(read)).as("contributions to %s", a.name()).hasSameSizeAs(read);
        arena.write(sum.target(), a.floats(), gradientOf(a));
    }
}
