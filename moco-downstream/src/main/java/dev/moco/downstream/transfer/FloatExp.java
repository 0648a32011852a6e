package dev.moco.downstream.transfer;

/**
 * e^x for x ≤ 0 in float precision, cheaper than {@link Math#exp}'s double precision: Cody–Waite
 * reduction x = n·ln 2 + r with |r| ≤ ln 2 / 2, Cephes' degree-6 polynomial for e^r, and 2^n
 * written into the exponent bits. Within 2.5e-7 of {@link Math#exp} relatively
 * ({@code FloatExpTest}); 0 below −87.33, where e^x falls under the smallest normal float.
 * The softmax of float logits needs no more: its exponents z − max are never positive.
 */
final class FloatExp {

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split so that n·LN2_HIGH is exact for |n| ≤ 126. */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5·2^23: a float of this size has no fraction bits, so adding it rounds to an integer. */
    private static final float ROUNDING = 12582912f;
    private static final int ROUNDING_BITS = Float.floatToRawIntBits(ROUNDING);
    /** ln of the smallest normal float, 2^−126. */
    static final float SMALLEST = -87.33654475f;

    private FloatExp() {
    }

    /** e^x for {@code x ≤ 0} (a positive x is outside the contract and gives a wrong value). */
    static float ofNonPositive(float x) {
        if (x < SMALLEST) {
            return 0f;
        }
        // n = x·log2 e rounded to the nearest integer: adding 1.5·2^23 leaves it in the low mantissa bits
        float shifted = x * LOG2E + ROUNDING;
        int n = Float.floatToRawIntBits(shifted) - ROUNDING_BITS;
        float fn = shifted - ROUNDING;
        float r = x - fn * LN2_HIGH - fn * LN2_LOW;
        float p = 1.9875691500e-4f;
        p = p * r + 1.3981999507e-3f;
        p = p * r + 8.3334519073e-3f;
        p = p * r + 4.1665795894e-2f;
        p = p * r + 1.6666665459e-1f;
        p = p * r + 5.0000001201e-1f;
        p = p * r * r + r + 1f;
        return p * Float.intBitsToFloat((n + 127) << 23);
    }
}
