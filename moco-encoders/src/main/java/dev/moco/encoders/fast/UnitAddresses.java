package dev.moco.encoders.fast;

/**
 * Where one execution of a {@link FastUnit} reads and writes, as absolute addresses (an
 * arena's base plus the {@link MemoryPlan}'s offset times {@link Float#BYTES}). One instance per
 * unit is reused for every execution, so running a network allocates nothing.
 */
final class UnitAddresses {

    final long[] inputs;
    long output;
    /** The unit's per-pass state, 0 if it has none. */
    long state;
    long outputGradient;
    /** Gradient of each input, 0 where none is wanted (the network input, or a skipped branch). */
    final long[] inputGradients;
    /** Where the unit puts a weight or weight gradient in a primitive's layout while that primitive runs (shared by the network's units). */
    final ScratchBuffer weights;

    UnitAddresses(int inputCount, ScratchBuffer weights) {
        inputs = new long[inputCount];
        inputGradients = new long[inputCount];
        this.weights = weights;
    }
}
