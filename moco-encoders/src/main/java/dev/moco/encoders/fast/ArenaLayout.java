package dev.moco.encoders.fast;

/**
 * Hands out offsets (in floats) inside one flat float arena, each aligned to 64 bytes, so that
 * all tensors of a pass can live in a single allocation.
 */
final class ArenaLayout {

    private static final long ALIGN_FLOATS = 16;
    private long size;

    /** Reserves {@code floats} floats and returns their offset. */
    long reserve(long floats) {
        long offset = size;
        size += (floats + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
        return offset;
    }

    /** Total floats reserved so far. */
    long size() {
        return Math.max(size, ALIGN_FLOATS);
    }
}
