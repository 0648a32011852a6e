package dev.moco.downstream.canvas;

import java.util.ArrayList;
import java.util.List;

/**
 * COCO's run-length encoding of a binary mask: runs over the mask in column-major (Fortran)
 * order, alternating background and foreground, starting with background (a leading 0 when
 * the first pixel is set). Uncompressed ({@code {"size": [h, w], "counts": [...]}}, which
 * pycocotools' {@code frPyObjects} reads) the counts are a list; compressed ({@code "counts":
 * "<string>"}, what {@code maskUtils.encode} returns and results files carry) they are
 * {@link #toCompressedString}'s text.
 */
public final class CocoRle {

    private CocoRle() {
    }

    /** The counts of a row-major {@code height}×{@code width} mask. */
    public static List<Integer> encode(boolean[] mask, int height, int width) {
        if (mask.length != height * width) {
            throw new IllegalArgumentException(mask.length + " mask values for " + height + "x" + width);
        }
        List<Integer> counts = new ArrayList<>();
        boolean current = false;
        int run = 0;
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                boolean v = mask[y * width + x];
                if (v != current) {
                    counts.add(run);
                    run = 0;
                    current = v;
                }
                run++;
            }
        }
        counts.add(run);
        return counts;
    }

    /** The row-major mask of {@code counts}. */
    public static boolean[] decode(List<Integer> counts, int height, int width) {
        boolean[] mask = new boolean[height * width];
        int position = 0;
        boolean value = false;
        for (int run : counts) {
            if (run < 0 || position + run > mask.length) {
                throw new IllegalArgumentException("RLE counts do not fit a " + height + "x" + width + " mask");
            }
            for (int i = 0; i < run; i++, position++) {
                if (value) {
                    int x = position / height;
                    int y = position % height;
                    mask[y * width + x] = true;
                }
            }
            value = !value;
        }
        if (position != mask.length) {
            throw new IllegalArgumentException("RLE counts cover " + position + " of " + mask.length + " pixels");
        }
        return mask;
    }

    /** ASCII offset of the compressed format's characters ('0'): a 6-bit group g is the character 48 + g. */
    private static final int CHARACTER_OFFSET = 48;
    private static final int GROUP_BITS = 5;
    private static final int MORE = 0x20;
    private static final int SIGN = 0x10;
    private static final int VALUE = 0x1f;

    /**
     * The compressed string of {@code counts}, as pycocotools' {@code rleToString}: each count
     * from the fourth on is replaced by its difference from the count two before (the run of
     * the same value), and each number is written as in signed LEB128 but with 5 value bits
     * per character: low groups first, bit 0x20 set while more groups follow, bit 0x10 of the
     * last group the sign, every group shifted into ASCII 48..111.
     */
    public static String toCompressedString(List<Integer> counts) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < counts.size(); i++) {
            long x = counts.get(i);
            if (i > 2) {        // pycocotools: i > 2, not i >= 2
                x -= counts.get(i - 2);
            }
            boolean more = true;
            while (more) {
                int group = (int) (x & VALUE);
                x >>= GROUP_BITS;
                more = (group & SIGN) != 0 ? x != -1 : x != 0;
                if (more) {
                    group |= MORE;
                }
                s.append((char) (group + CHARACTER_OFFSET));
            }
        }
        return s.toString();
    }

    /**
     * The counts of a compressed string, as pycocotools' {@code rleFrString}.
     *
     * @throws IllegalArgumentException naming the position of a character outside '0'..'o', a
     *     string that ends inside a number, or a negative count
     */
    public static List<Integer> fromCompressedString(String compressed) {
        List<Integer> counts = new ArrayList<>();
        int p = 0;
        while (p < compressed.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= compressed.length()) {
                    throw new IllegalArgumentException("compressed RLE counts end inside a number: '" + compressed + "'");
                }
                int group = compressed.charAt(p) - CHARACTER_OFFSET;
                if (group < 0 || group > (MORE | VALUE)) {
                    throw new IllegalArgumentException("compressed RLE counts hold '" + compressed.charAt(p) + "' at "
                            + p + ", outside '0'..'o'");
                }
                x |= (long) (group & VALUE) << (GROUP_BITS * k);
                more = (group & MORE) != 0;
                p++;
                k++;
                if (!more && (group & SIGN) != 0) {
                    x |= -1L << (GROUP_BITS * k);
                }
            }
            if (counts.size() > 2) {
                x += counts.get(counts.size() - 2);
            }
            if (x < 0 || x > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("compressed RLE counts decode to a count of " + x + " (run "
                        + counts.size() + ")");
            }
            counts.add((int) x);
        }
        return counts;
    }
}
