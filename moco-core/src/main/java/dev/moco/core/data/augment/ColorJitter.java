package dev.moco.core.data.augment;

import dev.moco.api.kit.SplitMix64;

/**
 * Randomly changes brightness, contrast, saturation and hue, in a random order, like
 * torchvision's {@code ColorJitter(brightness, contrast, saturation, hue)}:
 * <ul>
 *   <li>brightness: {@code x * b}, b ~ U[max(0, 1 - brightness), 1 + brightness];</li>
 *   <li>contrast: blend with the image's mean luma, {@code c * x + (1 - c) * mean};</li>
 *   <li>saturation (RGB only): blend with the pixel's luma, {@code s * x + (1 - s) * gray};</li>
 *   <li>hue (RGB only): rotate the HSV hue by h ~ U[-hue, hue] turns.</li>
 * </ul>
 * Each result is clamped to [0, 1]. MoCo v1 (He et al., arXiv:1911.05722, following Wu et
 * al. 2018) uses {@code ColorJitter(0.4, 0.4, 0.4, 0.4)}; MoCo v2 (Chen et al.,
 * arXiv:2003.04297, following SimCLR) {@code ColorJitter(0.4, 0.4, 0.4, 0.1)} applied with
 * p = 0.8 (wrap it in {@link RandomApply}). On a one-channel image only brightness and
 * contrast act; the random draws are the same whatever the channel count.
 */
public final class ColorJitter implements Augmentation {

    private static final int BRIGHTNESS = 0;
    private static final int CONTRAST = 1;
    private static final int SATURATION = 2;
    private static final int HUE = 3;

    /** Indices of HSV-to-RGB's candidate values v, q = v(1 - s f), p = v(1 - s), t = v(1 - s(1 - f)). */
    private static final int HSV_V = 0;
    private static final int HSV_Q = 1;
    private static final int HSV_P = 2;
    private static final int HSV_T = 3;
    /** Per hue sector 0..5, which candidate becomes red, green and blue. */
    private static final int[] SECTOR_RED = {HSV_V, HSV_Q, HSV_P, HSV_P, HSV_T, HSV_V};
    private static final int[] SECTOR_GREEN = {HSV_T, HSV_V, HSV_V, HSV_Q, HSV_P, HSV_P};
    private static final int[] SECTOR_BLUE = {HSV_P, HSV_P, HSV_T, HSV_V, HSV_V, HSV_Q};

    /** All 24 orders of the four adjustments. */
    private static final int[][] ORDERS = allOrders();

    private final double brightness;
    private final double contrast;
    private final double saturation;
    private final double hue;

    public ColorJitter(double brightness, double contrast, double saturation, double hue) {
        this.brightness = nonNegative("brightness", brightness);
        this.contrast = nonNegative("contrast", contrast);
        this.saturation = nonNegative("saturation", saturation);
        if (!(hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("hue must be in [0, 0.5], got " + hue);
        }
        this.hue = hue;
    }

    @Override
    public void apply(ImageBuffer image, SplitMix64 random) {
        // a random order of the four adjustments, uniformly among the 24
        int[] order = ORDERS[random.nextInt(ORDERS.length)];
        float b = (float) random.uniform(Math.max(0, 1 - brightness), 1 + brightness);
        float c = (float) random.uniform(Math.max(0, 1 - contrast), 1 + contrast);
        float s = (float) random.uniform(Math.max(0, 1 - saturation), 1 + saturation);
        float h = (float) random.uniform(-hue, hue);
        for (int step : order) {
            adjust(image, step, b, c, s, h);
        }
    }

    private void adjust(ImageBuffer image, int which, float b, float c, float s, float h) {
        switch (which) {
            case BRIGHTNESS -> {
                if (brightness > 0) {
                    scale(image, b);
                }
            }
            case CONTRAST -> {
                if (contrast > 0) {
                    contrast(image, c);
                }
            }
            case SATURATION -> {
                if (saturation > 0 && image.channels() == 3) {
                    saturate(image, s);
                }
            }
            case HUE -> {
                if (hue > 0 && image.channels() == 3) {
                    shiftHue(image, h);
                }
            }
            default -> throw new IllegalStateException("no adjustment " + which);
        }
    }

    /** {@code x * factor}, clamped. */
    static void scale(ImageBuffer image, float factor) {
        float[] px = image.pixels();
        int n = image.length();
        for (int p = 0; p < n; p++) {
            px[p] = clampVectorized(px[p] * factor);
        }
    }

    /** Blend with the mean luma of the whole image, clamped. */
    static void contrast(ImageBuffer image, float factor) {
        float[] px = image.pixels();
        int plane = image.height() * image.width();
        double sum = 0;
        if (image.channels() == 3) {
            for (int p = 0; p < plane; p++) {
                sum += RandomGrayscale.RED * px[p] + RandomGrayscale.GREEN * px[plane + p]
                        + RandomGrayscale.BLUE * px[2 * plane + p];
            }
        } else {
            for (int p = 0; p < plane; p++) {
                sum += px[p];
            }
        }
        float offset = (1 - factor) * (float) (sum / plane);
        int n = image.length();
        for (int p = 0; p < n; p++) {
            px[p] = clampVectorized(factor * px[p] + offset);
        }
    }

    /**
     * Blend each RGB pixel with its luma, clamped. The green and blue planes are worked on in
     * arrays of their own, so that all three are read and written at one index, which the JIT
     * vectorises.
     */
    static void saturate(ImageBuffer image, float factor) {
        float[] px = image.pixels();
        int plane = image.height() * image.width();
        float[][] planes = image.planes(2, plane);
        float[] green = planes[0];
        float[] blue = planes[1];
        System.arraycopy(px, plane, green, 0, plane);
        System.arraycopy(px, 2 * plane, blue, 0, plane);
        saturatePlanes(px, green, blue, plane, factor);
        System.arraycopy(green, 0, px, plane, plane);
        System.arraycopy(blue, 0, px, 2 * plane, plane);
    }

    /** The loop of {@link #saturate}, a method of its own so that it is vectorised (see {@code FloatRows}). */
    private static void saturatePlanes(float[] red, float[] green, float[] blue, int plane, float factor) {
        float keep = 1 - factor;
        for (int p = 0; p < plane; p++) {
            float r = red[p];
            float g = green[p];
            float bl = blue[p];
            float gray = keep * (RandomGrayscale.RED * r + RandomGrayscale.GREEN * g + RandomGrayscale.BLUE * bl);
            red[p] = clampVectorized(factor * r + gray);
            green[p] = clampVectorized(factor * g + gray);
            blue[p] = clampVectorized(factor * bl + gray);
        }
    }

    /**
     * Rotates the hue of each RGB pixel by {@code shift} turns (HSV round trip).
     *
     * <p>Written with few branches, since which channel is largest and which sixth of the hue
     * circle a pixel falls in vary from pixel to pixel: the channel-specific terms are selected
     * with conditional expressions, and the HSV-to-RGB sector picks its three outputs from the
     * four candidates (v, q, p, t) by table.
     */
    static void shiftHue(ImageBuffer image, float shift) {
        float[] px = image.pixels();
        int plane = image.height() * image.width();
        float[] candidates = image.line(4);
        for (int p = 0; p < plane; p++) {
            float r = px[p];
            float g = px[plane + p];
            float bl = px[2 * plane + p];
            float largerOfGb = g >= bl ? g : bl;
            float max = r >= largerOfGb ? r : largerOfGb;
            float smallerOfGb = g <= bl ? g : bl;
            float min = r <= smallerOfGb ? r : smallerOfGb;
            float chroma = max - min;
            if (chroma <= 0f) {
                continue; // gray: hue undefined, unchanged
            }
            // RGB -> hue in sixths: (g - b)/chroma, (b - r)/chroma + 2 or (r - g)/chroma + 4
            boolean redLargest = max == r;
            boolean greenLargest = max == g;
            float difference = redLargest ? g - bl : (greenLargest ? bl - r : r - g);
            float sixths = redLargest ? 0f : (greenLargest ? 2f : 4f);
            float hh = (difference / chroma + sixths) / 6f + shift;
            int turns = (int) hh;
            if (hh < turns) {
                turns--; // floor
            }
            hh -= turns;
            float sat = chroma / max;
            // HSV -> RGB
            float h6 = hh * 6f;
            int sector = (int) h6;
            if (sector >= 6) {
                sector = 5;
            }
            float f = h6 - sector;
            candidates[HSV_V] = max;
            candidates[HSV_Q] = max * (1f - sat * f);
            candidates[HSV_P] = max * (1f - sat);
            candidates[HSV_T] = max * (1f - sat * (1f - f));
            px[p] = clamp(candidates[SECTOR_RED[sector]]);
            px[plane + p] = clamp(candidates[SECTOR_GREEN[sector]]);
            px[2 * plane + p] = clamp(candidates[SECTOR_BLUE[sector]]);
        }
    }

    private static int[][] allOrders() {
        int[][] orders = new int[24][];
        int n = 0;
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                for (int c = 0; c < 4; c++) {
                    int d = 6 - a - b - c;
                    if (a != b && a != c && b != c && d != a && d != b && d != c) {
                        orders[n++] = new int[] {a, b, c, d};
                    }
                }
            }
        }
        return orders;
    }

    /** {@code v} clamped to [0, 1], for the loops the JIT cannot vectorise (comparisons are faster there). */
    private static float clamp(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }

    /**
     * The same for loops the JIT vectorises: min/max. Equal to {@link #clamp} for every value
     * but -0 and NaN, which the pipeline does not produce.
     */
    private static float clampVectorized(float v) {
        return Math.min(Math.max(v, 0f), 1f);
    }

    private static double nonNegative(String name, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return "ColorJitter(brightness=" + brightness + ", contrast=" + contrast
                + ", saturation=" + saturation + ", hue=" + hue + ")";
    }
}
