package dev.moco.core.data;

/**
 * Bilinear resizing of a rectangular region of a CHW float image, the way Pillow's
 * {@code Image.resize(..., BILINEAR)} does it: a separable triangle filter on pixel
 * centres ({@code (x + 0.5) * scale}), whose support widens with the shrink factor so that
 * downscaling averages (antialiases) instead of skipping pixels. Taps that fall outside the
 * region are dropped and the remaining weights renormalised, as if the region had been
 * cropped out first.
 *
 * <p>An instance keeps its weight tables and intermediate buffer between calls, so resizing
 * allocates nothing once the buffers have grown to the largest size seen. Not thread-safe:
 * one instance per thread.
 *
 * <pre>{@code
 * Resampler resampler = new Resampler();
 * // crop rows 4..19, columns 2..21 of a 1x28x28 image and resize the crop to 28x28
 * resampler.resize(src, 0, 1, 28, 28, 4, 2, 16, 20, dst, 0, 28, 28);
 * }</pre>
 */
public final class Resampler {

    private int[] columnStart = new int[0];
    private int[] columnTaps = new int[0];
    private float[] columnWeights = new float[0];
    private int columnStride;
    private int[] rowStart = new int[0];
    private int[] rowTaps = new int[0];
    private float[] rowWeights = new float[0];
    private int rowStride;
    /** The horizontal pass's output, one array per row (see {@link FloatRows}), and one row for sums. */
    private float[][] intermediate = new float[0][0];

    /**
     * Resizes region {@code [top, top + regionHeight) x [left, left + regionWidth)} of every
     * channel of {@code src} (a {@code channels x srcHeight x srcWidth} image starting at
     * {@code srcOffset}) to {@code outHeight x outWidth}, written at {@code dstOffset}.
     * {@code src} and {@code dst} must not overlap.
     */
    public void resize(float[] src, int srcOffset, int channels, int srcHeight, int srcWidth,
            int top, int left, int regionHeight, int regionWidth,
            float[] dst, int dstOffset, int outHeight, int outWidth) {
        if (regionHeight <= 0 || regionWidth <= 0 || outHeight <= 0 || outWidth <= 0
                || top < 0 || left < 0 || top + regionHeight > srcHeight || left + regionWidth > srcWidth) {
            throw new IllegalArgumentException("invalid resize of region " + regionHeight + "x"
                    + regionWidth + " at (" + top + ", " + left + ") of a " + srcHeight + "x"
                    + srcWidth + " image to " + outHeight + "x" + outWidth);
        }
        columnStride = maxTaps(regionWidth, outWidth);
        if (columnStart.length < outWidth || columnWeights.length < outWidth * columnStride) {
            columnStart = new int[outWidth];
            columnTaps = new int[outWidth];
            columnWeights = new float[outWidth * columnStride];
        }
        computeWeights(regionWidth, outWidth, columnStart, columnTaps, columnWeights, columnStride);
        rowStride = maxTaps(regionHeight, outHeight);
        if (rowStart.length < outHeight || rowWeights.length < outHeight * rowStride) {
            rowStart = new int[outHeight];
            rowTaps = new int[outHeight];
            rowWeights = new float[outHeight * rowStride];
        }
        computeWeights(regionHeight, outHeight, rowStart, rowTaps, rowWeights, rowStride);
        intermediate = FloatRows.atLeast(intermediate, channels * regionHeight + 1, outWidth);
        float[][] tmp = intermediate;
        float[] sum = tmp[channels * regionHeight];

        // horizontal pass: [C, regionHeight, regionWidth] -> [C, regionHeight, outWidth]
        int stride = columnStride;
        boolean fixedTaps = regionWidth >= stride;
        if (fixedTaps) {
            padToStride(regionWidth, outWidth, columnStart, columnTaps, columnWeights, stride);
        }
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < regionHeight; y++) {
                int srcRow = srcOffset + (c * srcHeight + top + y) * srcWidth + left;
                float[] out = tmp[c * regionHeight + y];
                if (fixedTaps && stride == 3) {
                    horizontalThreeTaps(src, srcRow, out, outWidth);
                } else {
                    for (int x = 0; x < outWidth; x++) {
                        int start = srcRow + columnStart[x];
                        int taps = fixedTaps ? stride : columnTaps[x];
                        int w = x * stride;
                        float total = 0f;
                        for (int t = 0; t < taps; t++) {
                            total += src[start + t] * columnWeights[w + t];
                        }
                        out[x] = total;
                    }
                }
            }
        }
        // vertical pass: [C, regionHeight, outWidth] -> [C, outHeight, outWidth], row by row
        // over separate arrays at one index, which the JIT vectorises
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outHeight; y++) {
                int taps = rowTaps[y];
                int w = y * rowStride;
                int firstRow = c * regionHeight + rowStart[y];
                float[] in = tmp[firstRow];
                float w0 = rowWeights[w];
                FloatRows.multiply(sum, in, w0, outWidth);
                for (int t = 1; t < taps; t++) {
                    FloatRows.multiplyAdd(sum, tmp[firstRow + t], rowWeights[w + t], outWidth);
                }
                System.arraycopy(sum, 0, dst, dstOffset + (c * outHeight + y) * outWidth, outWidth);
            }
        }
    }

    /**
     * The horizontal pass when every output has exactly three taps (upsampling, the common
     * case of a random resized crop): the same sum, in the same order, without the tap loop.
     */
    private void horizontalThreeTaps(float[] src, int srcRow, float[] out, int outWidth) {
        int[] starts = columnStart;
        float[] weights = columnWeights;
        for (int x = 0; x < outWidth; x++) {
            int s = srcRow + starts[x];
            int w = 3 * x;
            out[x] = 0f + src[s] * weights[w] + src[s + 1] * weights[w + 1] + src[s + 2] * weights[w + 2];
        }
    }

    /**
     * Gives every output exactly {@code stride} taps, so that the tap loop has one length: an
     * output with fewer taps gets zero weights around its own, its window moved left where it
     * would run past the input. Adding products with weight zero leaves each sum as it was
     * (up to the sign of an exact zero). Needs {@code inSize >= stride}.
     */
    private static void padToStride(int inSize, int outSize, int[] starts, int[] taps, float[] weights, int stride) {
        for (int x = 0; x < outSize; x++) {
            int count = taps[x];
            if (count == stride) {
                continue;
            }
            int base = x * stride;
            int start = Math.min(starts[x], inSize - stride);
            int shift = starts[x] - start;
            for (int t = count - 1; t >= 0; t--) {
                weights[base + shift + t] = weights[base + t];
            }
            for (int t = 0; t < shift; t++) {
                weights[base + t] = 0f;
            }
            for (int t = shift + count; t < stride; t++) {
                weights[base + t] = 0f;
            }
            starts[x] = start;
            taps[x] = stride;
        }
    }

    private static int maxTaps(int inSize, int outSize) {
        double support = Math.max((double) inSize / outSize, 1.0);
        return (int) Math.ceil(support) * 2 + 1;
    }

    /** Pillow's precompute_coeffs for the bilinear (triangle) filter. */
    private static void computeWeights(int inSize, int outSize, int[] starts, int[] taps,
            float[] weights, int stride) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale;
        double invFilterScale = 1.0 / filterScale;
        for (int x = 0; x < outSize; x++) {
            double center = (x + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize);
            int count = Math.min(max - min, stride);
            double total = 0;
            int base = x * stride;
            for (int t = 0; t < count; t++) {
                double d = Math.abs((t + min - center + 0.5) * invFilterScale);
                double weight = d < 1.0 ? 1.0 - d : 0.0;
                weights[base + t] = (float) weight;
                total += weight;
            }
            if (total > 0) {
                float inv = (float) (1.0 / total);
                for (int t = 0; t < count; t++) {
                    weights[base + t] *= inv;
                }
            } else {
                // cannot happen for a non-empty region, but keep the output defined
                weights[base] = 1f;
                count = Math.max(count, 1);
            }
            starts[x] = min;
            taps[x] = count;
        }
    }
}
