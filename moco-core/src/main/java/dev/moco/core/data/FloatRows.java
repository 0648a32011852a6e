package dev.moco.core.data;

/**
 * Sets of separate float arrays, the working memory of the image filters: a loop that reads
 * and writes rows (or planes) kept in arrays of their own, all at one index, is one the JIT
 * vectorises, unlike one over two offsets into a single array, which might overlap.
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
}
