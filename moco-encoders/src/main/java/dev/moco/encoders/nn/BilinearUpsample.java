package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bilinear resizing of NCHW feature maps with PyTorch's {@code F.interpolate(x, size,
 * mode="bilinear", align_corners=False)} semantics: output pixel o samples the input at
 * {@code max(0, (o + 0.5)·in/out − 0.5)}, between neighbours ⌊·⌋ and min(⌊·⌋ + 1, in − 1).
 * The top-down path of a feature pyramid upsamples with it.
 *
 * <p>The resize is linear and separable, y = A_h · x · A_wᵀ per image and channel with
 * interpolation matrices A_h [outH, H] and A_w [outW, W], so the backward is
 * dx = A_hᵀ · dy · A_w. No parameters.
 *
 * <pre>{@code
 * Layer up = BilinearUpsample.byScale(2);            // [N, C, H, W] -> [N, C, 2H, 2W]
 * Layer toC4 = BilinearUpsample.toSize(14, 14);       // any input size -> 14 x 14
 * }</pre>
 */
public final class BilinearUpsample implements Layer {

    private final int scale;
    private final long height;
    private final long width;

    private BilinearUpsample(int scale, long height, long width) {
        this.scale = scale;
        this.height = height;
        this.width = width;
    }

    /** Resizes by an integer factor ≥ 1. */
    public static BilinearUpsample byScale(int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("upsampling factor must be >= 1, got " + factor);
        }
        return new BilinearUpsample(factor, 0, 0);
    }

    /** Resizes any input to {@code height}×{@code width}. */
    public static BilinearUpsample toSize(long height, long width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + height + "x" + width);
        }
        return new BilinearUpsample(0, height, width);
    }

    /**
     * The [out, in] matrix of 1-D linear interpolation with half-pixel centres, as PyTorch's
     * {@code align_corners=False}: row o has weight 1 − λ at ⌊s⌋ and λ at the next input,
     * s = max(0, (o + 0.5)·in/out − 0.5), λ = s − ⌊s⌋.
     */
    public static INDArray interpolationMatrix(long in, long out, DataType type) {
        double[][] a = new double[(int) out][(int) in];
        double ratio = (double) in / out;
        for (int o = 0; o < out; o++) {
            double s = Math.max(0.0, (o + 0.5) * ratio - 0.5);
            int i0 = (int) Math.floor(s);
            int i1 = (int) Math.min(i0 + 1, in - 1);
            double lambda = s - i0;
            a[o][i0] += 1 - lambda;
            a[o][i1] += lambda;
        }
        return Nd4j.create(a).castTo(type);
    }

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("bilinear upsampling expects [N, C, H, W] but got " + Arrays.toString(input.shape()));
        }
        long n = input.size(0);
        long c = input.size(1);
        long h = input.size(2);
        long w = input.size(3);
        long outH = scale > 0 ? h * scale : height;
        long outW = scale > 0 ? w * scale : width;
        INDArray ah = interpolationMatrix(h, outH, input.dataType());
        INDArray aw = interpolationMatrix(w, outW, input.dataType());
        INDArray output = apply(input, ah, aw, n, c);
        if (mode == Encoder.Mode.INFERENCE) {
            return LayerPass.inferenceOnly(output, toString());
        }
        return new LayerPass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public INDArray backward(INDArray outputGradient) {
                return apply(outputGradient, ah.transpose(), aw.transpose(), n, c);
            }
        };
    }

    /** y[n, c] = rows · x[n, c] · colsᵀ for every image and channel. */
    private static INDArray apply(INDArray x, INDArray rows, INDArray cols, long n, long c) {
        long h = x.size(2);
        long w = x.size(3);
        long outH = rows.size(0);
        long outW = cols.size(0);
        INDArray alongWidth = x.dup('c').reshape(n * c * h, w).mmul(cols.transpose());     // [N·C·H, outW]
        INDArray heightFirst = alongWidth.reshape(n * c, h, outW).permute(1, 0, 2).dup('c')
                .reshape(h, n * c * outW);                                                // [H, N·C·outW]
        INDArray alongHeight = rows.mmul(heightFirst);                                    // [outH, N·C·outW]
        return alongHeight.reshape(outH, n * c, outW).permute(1, 0, 2).dup('c').reshape(n, c, outH, outW);
    }

    @Override
    public String toString() {
        return scale > 0 ? "BilinearUpsample(x" + scale + ")" : "BilinearUpsample(" + height + "x" + width + ")";
    }
}
