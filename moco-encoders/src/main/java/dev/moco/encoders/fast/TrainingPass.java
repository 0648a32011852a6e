package dev.moco.encoders.fast;

/**
 * What an {@link ArenaPool} knows of the training pass holding an arena: that it can be told its
 * activations were taken back for a newer pass.
 */
interface TrainingPass {

    /** The pass's arena now belongs to another pass; its output and backward must fail from now on. */
    void recycled();
}
