package dev.moco.encoders.fast;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A ResNet basic block y = relu(bn2(conv2(relu(bn1(conv1(x))))) + S(x)) for one batch and
 * input size, on oneDNN (He et al. 2016): S is the identity, or conv 1×1 stride 2 + BN
 * ({@code downsample.0}, {@code downsample.1}) when the block changes width and resolution.
 * The first BN has the ReLU fused; the join is one add+ReLU primitive.
 *
 * <p>Addresses are absolute (activation arena base + offset, see {@link Slots}). Which tensors
 * are kept per training pass for the backward: conv1 and conv2 outputs (BN inputs), bn1 output
 * (conv2 input), the block output (ReLU mask), and the projection conv output. The outputs of
 * bn2 and of the projection BN are consumed at once by the join and live in shared scratch
 * memory. A forward-only pass can map the slots onto three rotating buffers ({@link #rotating}).
 */
final class BasicBlockUnit {

    final String name;
    final ConvUnit conv1;
    final BatchNormUnit bn1;
    final ConvUnit conv2;
    final BatchNormUnit bn2;
    final ConvUnit projection;
    final BatchNormUnit projectionBn;
    final ResidualJoin join;
    final long inputFloats;
    final long outputFloats;
    /** Where a pass keeps the block's tensors: offsets in floats from its arena's base. */
    record Slots(long input, long conv1, long bn1, long conv2, long projection, long output) {}

    /** The slots of training passes (every tensor the backward needs has its own place). */
    Slots kept;

    BasicBlockUnit(String name, ConvUnit conv1, BatchNormUnit bn1, ConvUnit conv2, BatchNormUnit bn2,
                   ConvUnit projection, BatchNormUnit projectionBn, ResidualJoin join, long batch, long inHeight,
                   long inWidth) {
        this.name = name;
        this.conv1 = conv1;
        this.bn1 = bn1;
        this.conv2 = conv2;
        this.bn2 = bn2;
        this.projection = projection;
        this.projectionBn = projectionBn;
        this.join = join;
        this.inputFloats = batch * conv1.inChannels * inHeight * inWidth;
        this.outputFloats = batch * conv2.outChannels * conv2.outHeight * conv2.outWidth;
    }

    /** Reserves the kept tensors in the activation arena of training passes. */
    void reserve(ArenaLayout arena, long inputOffset) {
        long conv1Offset = arena.reserve(outputFloats);
        long bn1Offset = arena.reserve(outputFloats);
        long conv2Offset = arena.reserve(outputFloats);
        long projectionOffset = projection != null ? arena.reserve(outputFloats) : -1;
        kept = new Slots(inputOffset, conv1Offset, bn1Offset, conv2Offset, projectionOffset, arena.reserve(outputFloats));
    }

    /**
     * Slots for a forward-only pass over three rotating buffers: the input in {@code x}, the
     * others in {@code a} and {@code b} (conv1 → a, bn1 → b, conv2 → a, projection → b, output
     * → a; each tensor is dead before its slot is written again). The next block's input is a.
     */
    static Slots rotating(long x, long a, long b) {
        return new Slots(x, a, b, a, b, a);
    }

    /**
     * @param base the pass's activation arena address
     * @param slots where the pass keeps the block's tensors
     * @param scratch two shared tensors of {@link #outputFloats} floats each
     * @param groups normalisation groups, or 0 for inference
     * @param stats addresses of the pass's stats areas of bn1, bn2, projection BN
     */
    void forward(long base, Slots slots, long scratch, int groups, long[] stats) {
        long x = base + 4 * slots.input();
        long c1 = base + 4 * slots.conv1();
        long a1 = base + 4 * slots.bn1();
        long c2 = base + 4 * slots.conv2();
        long z = scratch;
        long side = x;
        conv1.forward(x, c1);
        if (groups > 0) {
            bn1.forwardTraining(c1, a1, groups, stats[0]);
        } else {
            bn1.forwardInference(c1, a1);
        }
        conv2.forward(a1, c2);
        if (groups > 0) {
            bn2.forwardTraining(c2, z, groups, stats[1]);
        } else {
            bn2.forwardInference(c2, z);
        }
        if (projection != null) {
            long cp = base + 4 * slots.projection();
            side = scratch + 4 * outputFloats;
            projection.forward(x, cp);
            if (groups > 0) {
                projectionBn.forwardTraining(cp, side, groups, stats[2]);
            } else {
                projectionBn.forwardInference(cp, side);
            }
        }
        join.forward(z, side, base + 4 * slots.output());
    }

    /**
     * Back-propagates (a pass that used the {@link #kept} slots) {@code diffOut} (at the block output) into {@code diffIn} (at the block
     * input) and writes the block's parameter gradients.
     *
     * @param temps four distinct gradient temporaries, each at least as large as the block's
     *     input and output
     * @param gradients [conv1, bn1 weight, bn1 bias, conv2, bn2 weight, bn2 bias, projection,
     *     projection BN weight, projection BN bias] gradient views (written, not accumulated)
     */
    void backward(long base, long diffOut, long diffIn, long[] temps, int groups, long[] stats, INDArray[] gradients) {
        long x = base + 4 * kept.input();
        long diffSum = temps[0];
        long t1 = temps[1];
        long t2 = temps[2];
        join.backward(base + 4 * kept.output(), diffOut, diffSum);
        bn2.backward(base + 4 * kept.conv2(), diffSum, t1, groups, stats[1], gradients[4], gradients[5]);
        conv2.backwardWeights(base + 4 * kept.bn1(), t1, gradients[3]);
        conv2.backwardData(t1, t2);
        bn1.backward(base + 4 * kept.conv1(), t2, t1, groups, stats[0], gradients[1], gradients[2]);
        conv1.backwardWeights(x, t1, gradients[0]);
        conv1.backwardData(t1, diffIn);
        if (projection == null) {
            join.accumulate(diffIn, diffSum);
        } else {
            projectionBn.backward(base + 4 * kept.projection(), diffSum, t2, groups, stats[2], gradients[7], gradients[8]);
            projection.backwardWeights(x, t2, gradients[6]);
            projection.backwardData(t2, temps[3]);
            join.accumulate(diffIn, temps[3]);
        }
    }
}
