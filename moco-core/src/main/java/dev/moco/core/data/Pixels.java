package dev.moco.core.data;

/** Conversions between 8-bit pixel values and floats in [0, 1]. */
final class Pixels {

    /** {@code FROM_BYTE[v] == v / 255f}, exactly, for v in 0..255. */
    private static final float[] FROM_BYTE = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            FROM_BYTE[v] = v / 255f;
        }
    }

    private Pixels() {
    }

    /** Writes {@code length} bytes from {@code src[start ..]} as floats at {@code dst[offset ..]}. */
    static void toUnit(byte[] src, int start, float[] dst, int offset, int length) {
        float[] table = FROM_BYTE;
        for (int p = 0; p < length; p++) {
            dst[offset + p] = table[src[start + p] & 0xff];
        }
    }

    /** A value in [0, 1] rounded to the nearest 8-bit level (clamped). */
    static byte toByte(float value) {
        float v = value * 255f + 0.5f;
        return (byte) (v <= 0f ? 0 : v >= 255f ? 255 : (int) v);
    }
}
