package dev.moco.encoders.fast;

import static org.bytedeco.dnnl.global.dnnl.dnnl_nc;

import org.bytedeco.dnnl.dnnl_memory_desc_t;

/**
 * One activation tensor of a {@link FastNetwork}: its place in the network ({@code id}), its
 * logical shape [batch, channels, height, width] and its oneDNN layout. Feature maps are in
 * the encoder's blocked layout ({@code nChw16c}), images in {@code nchw}; the vectors after
 * global pooling are {@code nc} matrices [batch, channels] (height = width = 1), which for
 * channels a multiple of the block have the same memory as the blocked [N, C, 1, 1].
 *
 * @param id index in the network, in order of creation
 * @param name the unit that produces it ("input" for the network input)
 */
record Activation(int id, String name, long batch, long channels, long height, long width, int tag) {

    /** Whether this is an [N, C] matrix rather than a 4-D feature map. */
    boolean isMatrix() {
        return tag == dnnl_nc;
    }

    /** The descriptor in this activation's own layout. */
    dnnl_memory_desc_t md() {
        return isMatrix() ? Dnnl.md(tag, batch, channels) : Dnnl.md(tag, batch, channels, height, width);
    }

    /** The descriptor of the same logical tensor in another 4-D layout. */
    dnnl_memory_desc_t md(int otherTag) {
        return Dnnl.md(otherTag, batch, channels, height, width);
    }

    /** Floats of storage (blocked layouts round the channels up to the block). */
    long floats() {
        return Dnnl.floats(md());
    }

    /** The logical shape, as ND4J wants it. */
    long[] shape() {
        return isMatrix() ? new long[] {batch, channels} : new long[] {batch, channels, height, width};
    }
}
