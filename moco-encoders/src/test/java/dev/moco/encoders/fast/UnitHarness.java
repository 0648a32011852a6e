package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.dnnl_nc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;

import java.util.List;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs one {@link FastUnit} (or a few) as a tiny {@link FastNetwork} whose input is in the
 * encoder's blocked layout, so a unit's forward, input gradient and parameter gradients can be
 * compared with its reference layer on plain NCHW arrays.
 */
final class UnitHarness implements AutoCloseable {

    final FastNetwork net;
    private final int groups;
    private MemoryPlan.Activations plan;
    private MemoryPlan.Gradients gradients;
    private Arena arena;

    /**
     * @param unit builds the unit from the network and its input activation
     * @param inputShape [N, C, H, W] (blocked input) or [N, C] (matrix input)
     */
    UnitHarness(long[] inputShape, int groups, BiFunction<FastNetwork, Activation, FastUnit> unit) {
        this.groups = groups;
        int tag = inputShape.length == 2 ? dnnl_nc : Dnnl.activationTag();
        net = inputShape.length == 2 ? new FastNetwork(inputShape[0], inputShape[1], 1, 1, tag, 1)
                : new FastNetwork(inputShape[0], inputShape[1], inputShape[2], inputShape[3], tag, 1);
        Activation out = net.add(unit.apply(net, net.input()));
        net.setOutput(out);
        net.setPooled(out);
    }

    /** Blocked activation of the harness's layout (for building units). */
    static int blocked() {
        return Dnnl.activationTag();
    }

    static int plain() {
        return dnnl_nchw;
    }

    /** The unit's output for {@code x} (training pass when groups > 0). */
    INDArray forward(INDArray x) {
        plan = net.activationPlan(groups > 0, false, groups);
        long floats = plan.floats();
        if (groups > 0) {
            gradients = net.gradientPlanWithInputGradient(plan, List.of(net.output()));
            floats = gradients.floats();
        }
        arena = net.arenas().forwardOnly(floats);
        net.forward(arena, plan, x, groups);
        return net.read(arena, plan, net.output(), groups);
    }

    /** The gradient at the input for {@code dy} at the output, after {@link #forward}; parameter gradients land in their views. */
    INDArray backward(INDArray dy) {
        net.backward(arena, plan, gradients, List.of(dy), groups);
        return net.readInputGradient(arena, gradients, groups);
    }

    @Override
    public void close() {
        net.close();
    }
}
