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
    private float[] intermediate = new float[0];

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
        int intermediateSize = channels * regionHeight * outWidth;
        if (intermediate.length < intermediateSize) {
            intermediate = new float[intermediateSize];
        }
        float[] tmp = intermediate;

        // horizontal pass: [C, regionHeight, regionWidth] -> [C, regionHeight, outWidth]
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < regionHeight; y++) {
                int srcRow = srcOffset + (c * srcHeight + top + y) * srcWidth + left;
                int tmpRow = (c * regionHeight + y) * outWidth;
                for (int x = 0; x < outWidth; x++) {
                    int start = srcRow + columnStart[x];
                    int taps = columnTaps[x];
                    int w = x * columnStride;
                    float sum = 0f;
                    for (int t = 0; t < taps; t++) {
                        sum += src[start + t] * columnWeights[w + t];
                    }
                    tmp[tmpRow + x] = sum;
                }
            }
        }
        // vertical pass: [C, regionHeight, outWidth] -> [C, outHeight, outWidth]
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outHeight; y++) {
                int dstRow = dstOffset + (c * outHeight + y) * outWidth;
                int taps = rowTaps[y];
                int w = y * rowStride;
                int firstRow = (c * regionHeight + rowStart[y]) * outWidth;
                float w0 = rowWeights[w];
                for (int x = 0; x < outWidth; x++) {
                    dst[dstRow + x] = tmp[firstRow + x] * w0;
                }
                for (int t = 1; t < taps; t++) {
                    float wt = rowWeights[w + t];
                    int tmpRow = firstRow + t * outWidth;
                    for (int x = 0; x < outWidth; x++) {
                        dst[dstRow + x] += tmp[tmpRow + x] * wt;
                    }
                }
            }
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
