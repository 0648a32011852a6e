package dev.moco.downstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moco.api.kit.SplitMix64;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed COCO mask AP ("segm") cases; the comments give the IoUs and the ranked
 * precision/recall. The matching and accumulation are the box evaluator's
 * ({@link CocoEvaluator}), which the last test checks directly.
 */
class CocoMaskEvaluationTest {

    private static final int SIZE = 10;
    private final CocoEvaluator<BinaryMask> evaluator = CocoEvaluator.masks();

    /** The mask of the pixels (row, column) with row in [top, bottom) and column in [left, right). */
    private static BinaryMask rectangle(int top, int left, int bottom, int right) {
        boolean[] pixels = new boolean[SIZE * SIZE];
        for (int y = top; y < bottom; y++) {
            for (int x = left; x < right; x++) {
                pixels[y * SIZE + x] = true;
            }
        }
        return BinaryMask.of(pixels, SIZE, SIZE);
    }

    /** The first {@code count} set pixels of {@code mask} in row-major order. */
    private static BinaryMask firstPixels(BinaryMask mask, int count) {
        boolean[] all = mask.toRowMajor();
        boolean[] kept = new boolean[all.length];
        for (int i = 0, n = 0; i < all.length && n < count; i++) {
            if (all[i]) {
                kept[i] = true;
                n++;
            }
        }
        return BinaryMask.of(kept, SIZE, SIZE);
    }

    private static GroundTruthMask truth(int image, int category, BinaryMask mask) {
        return new GroundTruthMask(image, category, mask);
    }

    private static DetectedInstance found(int image, int category, BinaryMask mask, double score) {
        return new DetectedInstance(new DetectedBox(image, category, new BoundingBox(0, 0, SIZE, SIZE), score), mask);
    }

    @Test
    void iouOfMasksCountsPixels() {
        BinaryMask corner = rectangle(0, 0, 2, 2);                          // 4 pixels
        assertThat(corner.iou(corner)).isEqualTo(1.0);
        assertThat(corner.iou(rectangle(0, 0, 2, 4))).isEqualTo(4.0 / 8);   // inside a mask twice its size
        assertThat(corner.iou(rectangle(1, 1, 3, 3))).isEqualTo(1.0 / 7);   // one shared pixel of 4 + 4 - 1
        assertThat(corner.iou(rectangle(5, 5, 6, 6))).isZero();
        assertThat(rectangle(0, 0, 0, 0).iou(rectangle(0, 0, 0, 0))).as("both empty").isZero();
        assertThatThrownBy(() -> corner.iou(BinaryMask.of(new boolean[4], 2, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10x10").hasMessageContaining("2x2");
        assertThat(BinaryMask.of(corner.toRowMajor(), SIZE, SIZE)).isEqualTo(corner);
        assertThat(corner.area()).isEqualTo(4);
    }

    @Test
    void aMaskInsideTheRightBoxButOfTheWrongShapeIsAFalsePositive() {
        // an L of row 0 and column 0 (19 pixels) against the full square it spans (100):
        // box IoU 1, mask IoU .19 -> no match at any threshold
        boolean[] l = new boolean[SIZE * SIZE];
        for (int i = 0; i < SIZE; i++) {
            l[i] = true;
            l[i * SIZE] = true;
        }
        BinaryMask shape = BinaryMask.of(l, SIZE, SIZE);
        DetectionScores s = evaluator.evaluate(List.of(truth(1, 1, shape)), List.of(found(1, 1, rectangle(0, 0, SIZE, SIZE), 0.9)));
        assertThat(s.ap()).isZero();
        assertThat(evaluator.evaluate(List.of(truth(1, 1, shape)), List.of(found(1, 1, shape, 0.9))).ap())
                .isCloseTo(1.0, within(1e-12));
    }

    @Test
    void aPartialMaskRankedFirstTakesTheMatchOnlyAtLowThresholds() {
        // truth 50 pixels; the partial mask holds 31 of them: IoU .62, a match at .50, .55, .60
        // (the exact mask is then a duplicate, AP_t = 1); above, ranks FP (r 0), TP (r 1, p .5)
        // -> AP_t = .5
        BinaryMask object = rectangle(0, 0, 5, SIZE);
        BinaryMask partial = firstPixels(object, 31);
        assertThat(partial.iou(object)).isCloseTo(0.62, within(1e-12));
        DetectionScores s = evaluator.evaluate(List.of(truth(1, 1, object)),
                List.of(found(1, 1, partial, 0.9), found(1, 1, object, 0.8)));
        assertThat(s.ap50()).isCloseTo(1.0, within(1e-12));
        assertThat(s.ap75()).isCloseTo(0.5, within(1e-12));
        assertThat(s.ap()).isCloseTo((3 * 1.0 + 7 * 0.5) / 10, within(1e-12));
    }

    @Test
    void aDetectionTakesTheOverlappingObjectItCoversBest() {
        // two objects side by side; the detection covers all of the right one and a column of
        // the left: IoU 4/40 with the left, 20/24 = .833 with the right -> it matches the
        // right at .50 .. .80; the left is missed: recall .5, AP_t = 51/101
        BinaryMask left = rectangle(0, 0, 4, 5);           // 20 pixels
        BinaryMask right = rectangle(0, 5, 4, 10);         // 20 pixels
        BinaryMask detection = rectangle(0, 4, 4, 10);     // 24 pixels: 4 of left, 20 of right
        assertThat(detection.iou(left)).isCloseTo(4.0 / 40, within(1e-12));
        assertThat(detection.iou(right)).isCloseTo(20.0 / 24, within(1e-12));
        DetectionScores s = evaluator.evaluate(List.of(truth(1, 1, left), truth(1, 1, right)),
                List.of(found(1, 1, detection, 0.9)));
        // 7 of the 10 thresholds match (51/101 each), .85 .. .95 do not (0)
        assertThat(s.ap50()).isCloseTo(51.0 / 101, within(1e-12));
        assertThat(s.ap75()).isCloseTo(51.0 / 101, within(1e-12));
        assertThat(s.ap()).isCloseTo(7 * (51.0 / 101) / 10, within(1e-12));
    }

    /**
     * Boxes on the pixel grid and the masks of their pixels have the same IoU, so the two
     * evaluations must agree exactly on any set of such detections: the matching and
     * accumulation are one implementation.
     */
    @Test
    void integerBoxesAndTheirPixelMasksScoreTheSame() {
        SplitMix64 random = new SplitMix64(17);
        List<GroundTruthBox> truthBoxes = new ArrayList<>();
        List<GroundTruthMask> truthMasks = new ArrayList<>();
        List<DetectedBox> foundBoxes = new ArrayList<>();
        List<DetectedInstance> foundMasks = new ArrayList<>();
        for (int image = 1; image <= 6; image++) {
            List<int[]> objects = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int[] r = randomRectangle(random);
                int category = 1 + random.nextInt(2);
                objects.add(new int[] {r[0], r[1], r[2], r[3], category});
                truthBoxes.add(new GroundTruthBox(image, category, box(r)));
                truthMasks.add(new GroundTruthMask(image, category, rectangle(r[0], r[1], r[2], r[3])));
            }
            for (int i = 0; i < 5; i++) {
                // near an object (each side moved by -1..1 pixel) or anywhere; of either category
                int[] near = objects.get(random.nextInt(objects.size()));
                int[] r = i < 3 ? jittered(near, random) : randomRectangle(random);
                int category = random.nextInt(4) == 0 ? 3 - near[4] : near[4];
                double score = random.nextInt(1000) / 1000.0;
                DetectedBox detection = new DetectedBox(image, category, box(r), score);
                foundBoxes.add(detection);
                foundMasks.add(new DetectedInstance(detection, rectangle(r[0], r[1], r[2], r[3])));
            }
        }
        DetectionScores boxes = CocoEvaluator.boxes().evaluate(truthBoxes, foundBoxes);
        DetectionScores masks = evaluator.evaluate(truthMasks, foundMasks);
        assertThat(boxes.ap()).as("some detections match").isPositive();
        assertThat(masks).isEqualTo(boxes);
        assertThat(new CocoBoxEvaluator().evaluate(truthBoxes, foundBoxes)).isEqualTo(boxes);
    }

    /** {top, left, bottom, right}, at least one pixel. */
    private static int[] randomRectangle(SplitMix64 random) {
        int top = random.nextInt(SIZE - 1);
        int left = random.nextInt(SIZE - 1);
        return new int[] {top, left, top + 1 + random.nextInt(SIZE - top - 1), left + 1 + random.nextInt(SIZE - left - 1)};
    }

    /** {@code r} with each side moved by -1, 0 or 1 pixel, inside the image and at least one pixel. */
    private static int[] jittered(int[] r, SplitMix64 random) {
        int top = Math.max(0, Math.min(r[0] + random.nextInt(3) - 1, SIZE - 1));
        int left = Math.max(0, Math.min(r[1] + random.nextInt(3) - 1, SIZE - 1));
        int bottom = Math.max(top + 1, Math.min(r[2] + random.nextInt(3) - 1, SIZE));
        int right = Math.max(left + 1, Math.min(r[3] + random.nextInt(3) - 1, SIZE));
        return new int[] {top, left, bottom, right};
    }

    private static BoundingBox box(int[] r) {
        return new BoundingBox(r[1], r[0], r[3] - r[1], r[2] - r[0]);
    }
}
