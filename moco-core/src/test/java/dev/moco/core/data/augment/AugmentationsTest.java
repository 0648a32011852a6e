package dev.moco.core.data.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Each augmentation's behaviour on hand-made inputs. */
class AugmentationsTest {

    /** A 3-channel image whose value encodes (c, y, x), all distinct, in [0, 1]. */
    private static ImageBuffer coded(int channels, int height, int width) {
        ImageBuffer image = new ImageBuffer();
        float[] px = image.reset(channels, height, width);
        int n = channels * height * width;
        for (int i = 0; i < n; i++) {
            px[i] = (i + 1f) / (n + 1f);
        }
        return image;
    }

    private static ImageBuffer random(int channels, int height, int width, long seed) {
        ImageBuffer image = new ImageBuffer();
        float[] px = image.reset(channels, height, width);
        SplitMix64 rng = new SplitMix64(seed);
        for (int i = 0; i < channels * height * width; i++) {
            px[i] = (float) rng.nextDouble();
        }
        return image;
    }

    private static float[] copy(ImageBuffer image) {
        return Arrays.copyOf(image.pixels(), image.length());
    }

    private static double mean(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    @Test
    void flipMirrorsEveryRowOfEveryChannel() {
        ImageBuffer image = coded(3, 4, 5);
        float[] before = copy(image);
        new RandomHorizontalFlip(1.0).apply(image, new SplitMix64(1));
        float[] after = copy(image);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 5; x++) {
                    assertThat(after[(c * 4 + y) * 5 + x]).isEqualTo(before[(c * 4 + y) * 5 + (4 - x)]);
                }
            }
        }
        new RandomHorizontalFlip(1.0).apply(image, new SplitMix64(2));
        assertThat(copy(image)).containsExactly(before);
        new RandomHorizontalFlip(0.0).apply(image, new SplitMix64(3));
        assertThat(copy(image)).containsExactly(before);
    }

    @Test
    void flipHappensAboutHalfTheTime() {
        RandomHorizontalFlip flip = new RandomHorizontalFlip();
        SplitMix64 rng = new SplitMix64(7);
        int flipped = 0;
        for (int i = 0; i < 2000; i++) {
            ImageBuffer image = coded(1, 1, 2);
            float first = image.pixels()[0];
            flip.apply(image, rng);
            if (image.pixels()[0] != first) {
                flipped++;
            }
        }
        assertThat(flipped).isBetween(900, 1100);
    }

    @Test
    void cropRegionsRespectScaleAndRatioBounds() {
        RandomResizedCrop crop = new RandomResizedCrop(28, 28);
        SplitMix64 rng = new SplitMix64(11);
        double minArea = 1;
        double maxArea = 0;
        for (int i = 0; i < 5000; i++) {
            RandomResizedCrop.Region r = crop.chooseRegion(28, 28, rng);
            assertThat(r.top()).isGreaterThanOrEqualTo(0);
            assertThat(r.left()).isGreaterThanOrEqualTo(0);
            assertThat(r.top() + r.height()).isLessThanOrEqualTo(28);
            assertThat(r.left() + r.width()).isLessThanOrEqualTo(28);
            double area = (double) r.height() * r.width() / (28 * 28);
            // rounding of w and h to whole pixels moves the area a little around [0.2, 1]
            assertThat(area).isBetween(0.2 * 0.85, 1.0);
            double ratio = (double) r.width() / r.height();
            assertThat(ratio).isBetween(0.75 * 0.85, (4.0 / 3.0) / 0.85);
            minArea = Math.min(minArea, area);
            maxArea = Math.max(maxArea, area);
        }
        assertThat(minArea).isLessThan(0.25);
        assertThat(maxArea).isGreaterThan(0.9);
    }

    @Test
    void cropFallsBackToACentreCropOfAllowedRatio() {
        // a 1x40 strip: no region of ratio within [3/4, 4/3] and area >= 20% fits
        RandomResizedCrop crop = new RandomResizedCrop(4, 4);
        RandomResizedCrop.Region r = crop.chooseRegion(1, 40, new SplitMix64(3));
        assertThat(r).isEqualTo(new RandomResizedCrop.Region(0, 19, 1, 1));
    }

    @Test
    void cropResizesToTheOutputSizeAndKeepsValuesInRange() {
        ImageBuffer image = coded(3, 20, 30);
        RandomResizedCrop crop = new RandomResizedCrop(8, 12);
        crop.apply(image, new SplitMix64(5));
        assertThat(image.shape()).isEqualTo(new ImageShape(3, 8, 12));
        assertThat(crop.outputShape(new ImageShape(3, 20, 30))).isEqualTo(new ImageShape(3, 8, 12));
        float lowest = 1f / (3 * 20 * 30 + 1);
        for (float v : copy(image)) {
            assertThat(v).isBetween(lowest - 1e-6f, 1f);
        }
        // the full-scale crop of a constant image is that constant
        ImageBuffer constant = new ImageBuffer();
        Arrays.fill(constant.reset(1, 10, 10), 0.7f);
        new RandomResizedCrop(28, 28).apply(constant, new SplitMix64(9));
        for (float v : copy(constant)) {
            assertThat(v).isCloseTo(0.7f, within(1e-6f));
        }
    }

    @Test
    void grayscaleMakesChannelsEqualToLuma() {
        ImageBuffer image = random(3, 4, 4, 1);
        float[] before = copy(image);
        new RandomGrayscale(1.0).apply(image, new SplitMix64(1));
        float[] after = copy(image);
        for (int p = 0; p < 16; p++) {
            float luma = 0.2989f * before[p] + 0.587f * before[16 + p] + 0.114f * before[32 + p];
            assertThat(after[p]).isCloseTo(luma, within(1e-6f));
            assertThat(after[16 + p]).isEqualTo(after[p]);
            assertThat(after[32 + p]).isEqualTo(after[p]);
        }
        ImageBuffer gray = random(1, 4, 4, 2);
        float[] grayBefore = copy(gray);
        new RandomGrayscale(1.0).apply(gray, new SplitMix64(1));
        assertThat(copy(gray)).containsExactly(grayBefore);
    }

    @Test
    void blurKeepsAConstantImageAndTheMean() {
        ImageBuffer constant = new ImageBuffer();
        Arrays.fill(constant.reset(3, 7, 9), 0.42f);
        GaussianBlur.blur(constant, 2.0);
        for (float v : copy(constant)) {
            assertThat(v).isCloseTo(0.42f, within(1e-6f));
        }
        ImageBuffer image = random(1, 28, 28, 3);
        double before = mean(copy(image));
        new GaussianBlur().apply(image, new SplitMix64(4));
        assertThat(mean(copy(image))).isCloseTo(before, within(0.01));
    }

    @Test
    void blurSpreadsAnImpulseSymmetrically() {
        ImageBuffer image = new ImageBuffer();
        float[] px = image.reset(1, 9, 9);
        Arrays.fill(px, 0, 81, 0f);
        px[4 * 9 + 4] = 1f;
        GaussianBlur.blur(image, 1.0);
        float[] out = copy(image);
        assertThat(out[4 * 9 + 4]).isLessThan(0.2f);
        assertThat(out[4 * 9 + 3]).isCloseTo(out[4 * 9 + 5], within(1e-7f));
        assertThat(out[3 * 9 + 4]).isCloseTo(out[4 * 9 + 3], within(1e-7f));
        assertThat(mean(out) * 81).isCloseTo(1.0, within(1e-5));
        // a small sigma is nearly the identity
        ImageBuffer sharp = random(1, 5, 5, 8);
        float[] before = copy(sharp);
        GaussianBlur.blur(sharp, 0.1);
        assertThat(copy(sharp)).containsExactly(before, within(1e-6f));
    }

    @Test
    void reflectMirrorsWithoutRepeatingTheEdge() {
        assertThat(GaussianBlur.reflect(-1, 5)).isEqualTo(1);
        assertThat(GaussianBlur.reflect(-2, 5)).isEqualTo(2);
        assertThat(GaussianBlur.reflect(5, 5)).isEqualTo(3);
        assertThat(GaussianBlur.reflect(9, 5)).isEqualTo(1);
        assertThat(GaussianBlur.reflect(-7, 3)).isEqualTo(1);
        assertThat(GaussianBlur.reflect(4, 1)).isEqualTo(0);
    }

    @Test
    void jitterIsDeterministicBySeedAndStaysInRange() {
        ColorJitter jitter = new ColorJitter(0.4, 0.4, 0.4, 0.4);
        ImageBuffer a = random(3, 6, 6, 1);
        ImageBuffer b = random(3, 6, 6, 1);
        ImageBuffer c = random(3, 6, 6, 1);
        jitter.apply(a, new SplitMix64(99));
        jitter.apply(b, new SplitMix64(99));
        jitter.apply(c, new SplitMix64(100));
        assertThat(copy(a)).containsExactly(copy(b));
        assertThat(copy(a)).isNotEqualTo(copy(c));
        for (float v : copy(a)) {
            assertThat(v).isBetween(0f, 1f);
        }
    }

    @Test
    void brightnessAndContrastActOnGrayImages() {
        ImageBuffer image = new ImageBuffer();
        float[] px = image.reset(1, 1, 4);
        System.arraycopy(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 0, px, 0, 4);
        ColorJitter.scale(image, 2f);
        assertThat(copy(image)).containsExactly(new float[] {0.2f, 0.4f, 0.6f, 0.8f}, within(1e-6f));
        ColorJitter.contrast(image, 0.5f); // mean 0.5
        assertThat(copy(image)).containsExactly(new float[] {0.35f, 0.45f, 0.55f, 0.65f}, within(1e-6f));
        ColorJitter.scale(image, 3f);
        assertThat(copy(image)[3]).isEqualTo(1f); // clamped
        // saturation and hue leave a one-channel image alone
        ImageBuffer gray = random(1, 5, 5, 3);
        float[] before = copy(gray);
        new ColorJitter(0, 0, 0.9, 0.5).apply(gray, new SplitMix64(1));
        assertThat(copy(gray)).containsExactly(before);
    }

    @Test
    void saturationZeroIsGrayscaleAndHueRotates() {
        ImageBuffer image = random(3, 2, 2, 5);
        float[] before = copy(image);
        ColorJitter.saturate(image, 0f);
        float[] gray = copy(image);
        for (int p = 0; p < 4; p++) {
            float luma = 0.2989f * before[p] + 0.587f * before[4 + p] + 0.114f * before[8 + p];
            assertThat(gray[p]).isCloseTo(luma, within(1e-6f));
            assertThat(gray[4 + p]).isCloseTo(luma, within(1e-6f));
        }
        // pure red rotated by a third of a turn is pure green, by two thirds pure blue
        ImageBuffer red = new ImageBuffer();
        float[] px = red.reset(3, 1, 1);
        px[0] = 0.8f;
        px[1] = 0f;
        px[2] = 0f;
        ColorJitter.shiftHue(red, 1f / 3f);
        assertThat(copy(red)).containsExactly(new float[] {0f, 0.8f, 0f}, within(1e-6f));
        ColorJitter.shiftHue(red, 1f / 3f);
        assertThat(copy(red)).containsExactly(new float[] {0f, 0f, 0.8f}, within(1e-6f));
        // a small shift keeps value (max) and saturation
        px = red.reset(3, 1, 1);
        px[0] = 0.9f;
        px[1] = 0.3f;
        px[2] = 0.1f;
        ColorJitter.shiftHue(red, 0.05f);
        float[] shifted = copy(red);
        float max = Math.max(shifted[0], Math.max(shifted[1], shifted[2]));
        float min = Math.min(shifted[0], Math.min(shifted[1], shifted[2]));
        assertThat(max).isCloseTo(0.9f, within(1e-6f));
        assertThat(min).isCloseTo(0.1f, within(1e-6f));
        assertThat(shifted[1]).isGreaterThan(0.3f);
    }

    /** The HSV round trip of one pixel in double, with the textbook formulas. */
    private static double[] rotateHue(double r, double g, double b, double shift) {
        double max = Math.max(r, Math.max(g, b));
        double min = Math.min(r, Math.min(g, b));
        double chroma = max - min;
        if (chroma == 0) {
            return new double[] {r, g, b};
        }
        double hue = max == r ? ((g - b) / chroma) / 6 : max == g ? ((b - r) / chroma + 2) / 6 : ((r - g) / chroma + 4) / 6;
        hue = hue + shift - Math.floor(hue + shift);
        double s = chroma / max;
        double[] out = new double[3];
        for (int k = 0; k < 3; k++) {
            // channel k of HSV -> RGB: v - v s max(0, min(j, 4 - j, 1)), j = (n + 6h) mod 6, n = 5, 3, 1
            double j = ((new int[] {5, 3, 1})[k] + 6 * hue) % 6;
            out[k] = max - max * s * Math.max(0, Math.min(j, Math.min(4 - j, 1)));
        }
        return out;
    }

    @Test
    void hueRotationEqualsTheHsvRoundTripForEverySector() {
        ImageBuffer image = random(3, 32, 32, 21);
        float[] before = copy(image);
        for (float shift : new float[] {0.1f, -0.1f, 0.37f, -0.45f}) {
            System.arraycopy(before, 0, image.pixels(), 0, before.length);
            ColorJitter.shiftHue(image, shift);
            float[] after = copy(image);
            for (int p = 0; p < 1024; p++) {
                double[] expected = rotateHue(before[p], before[1024 + p], before[2048 + p], shift);
                for (int c = 0; c < 3; c++) {
                    assertThat(after[c * 1024 + p]).as("pixel %d channel %d, shift %s", p, c, shift)
                            .isCloseTo((float) expected[c], within(2e-6f));
                }
            }
        }
    }

    @Test
    void normalizeStandardisesPerChannel() {
        ImageBuffer image = new ImageBuffer();
        float[] px = image.reset(3, 1, 2);
        System.arraycopy(new float[] {0.5f, 1f, 0.2f, 0.4f, 0f, 1f}, 0, px, 0, 6);
        new Normalize(new float[] {0.5f, 0.2f, 0.5f}, new float[] {0.5f, 0.1f, 0.25f})
                .apply(image, new SplitMix64(0));
        assertThat(copy(image)).containsExactly(new float[] {0f, 1f, 0f, 2f, -2f, 2f}, within(1e-6f));
        assertThatThrownBy(() -> new Normalize(new float[] {0f, 0f}, new float[] {1f}))
                .hasMessageContaining("as many means");
        assertThatThrownBy(() -> new Normalize(new float[] {0f}, new float[] {0f}))
                .hasMessageContaining("positive");
    }

    @Test
    void randomApplyUsesItsProbabilityAndRejectsShapeChanges() {
        ImageBuffer image = coded(1, 2, 2);
        float[] before = copy(image);
        new RandomApply(new RandomHorizontalFlip(1.0), 0.0).apply(image, new SplitMix64(1));
        assertThat(copy(image)).containsExactly(before);
        new RandomApply(new RandomHorizontalFlip(1.0), 1.0).apply(image, new SplitMix64(1));
        assertThat(copy(image)).isNotEqualTo(before);
        assertThatThrownBy(() -> new RandomApply(new RandomResizedCrop(8, 8), 0.5))
                .hasMessageContaining("shape-preserving");
        assertThatThrownBy(() -> new RandomGrayscale(1.5)).hasMessageContaining("[0, 1]");
    }

    @Test
    void stepsAllocateNothingOnceWarm() {
        AugmentationPipeline v2 = AugmentationPreset.V2.pipeline(new ImageShape(3, 16, 16), Normalize.IMAGENET);
        ImageBuffer buffer = new ImageBuffer();
        SplitMix64 rng = new SplitMix64(0);
        float[] src = copy(random(3, 16, 16, 1));
        float[] dst = new float[v2.outputShape().length()];
        for (int i = 0; i < 200; i++) {
            v2.apply(src, 0, rng, buffer, dst, 0);
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 1000; i++) {
            v2.apply(src, 0, rng, buffer, dst, 0);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        // nothing per image; a little slack for the measurement itself
        assertThat(allocated).isLessThan(4096L);
    }
}
