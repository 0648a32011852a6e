package dev.moco.core.data;

/**
 * Sets of separate float arrays, the working memory of the image filters, and the row loops
 * over them. A loop that reads and writes rows (or planes) kept in arrays of their own, all at
 * one index, is one the JIT vectorises, unlike one over two offsets into a single array, which
 * might overlap. The loops are methods of their own, taking the arrays as arguments: HotSpot
 * 17's C2 left the same loop scalar when it took its arrays from a {@code float[][]} inside a
 * larger method (measured: 15x slower).
 */
public final class FloatRows {

    private FloatRows() {
    }

    /**
     * {@code rows} itself if it holds at least {@code count} arrays of at least {@code length}
     * floats, otherwise a new set that large (contents undefined). Sets only grow, so a filter
     * that keeps the result allocates nothing once it has seen its largest image.
     */
    public static float[][] atLeast(float[][] rows, int count, int length) {
        if (rows.length >= count && rows.length > 0 && rows[0].length >= length) {
            return rows;
        }
        int width = rows.length == 0 ? length : Math.max(length, rows[0].length);
        return new float[Math.max(count, rows.length)][width];
    }

    /** {@code out[x] = in[x] * weight} for x in [0, length). */
    public static void multiply(float[] out, float[] in, float weight, int length) {
        for (int x = 0; x < length; x++) {
            out[x] = in[x] * weight;
        }
    }

    /** {@code out[x] += in[x] * weight} for x in [0, length). */
    public static void multiplyAdd(float[] out, float[] in, float weight, int length) {
        for (int x = 0; x < length; x++) {
            out[x] += in[x] * weight;
        }
    }
}
