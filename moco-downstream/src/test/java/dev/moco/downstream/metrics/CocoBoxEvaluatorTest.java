package dev.moco.downstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-computed COCO box AP cases; the comments give the ranked precision/recall. */
class CocoBoxEvaluatorTest {

    private static final BoundingBox A = new BoundingBox(0, 0, 10, 10);
    private static final BoundingBox B = new BoundingBox(30, 30, 10, 10);
    private static final BoundingBox FAR = new BoundingBox(50, 0, 5, 5);
    private final CocoBoxEvaluator evaluator = new CocoBoxEvaluator();

    private static GroundTruthBox truth(int image, int category, BoundingBox box) {
        return new GroundTruthBox(image, category, box);
    }

    private static DetectedBox found(int image, int category, BoundingBox box, double score) {
        return new DetectedBox(image, category, box, score);
    }

    @Test
    void iouOfBoxesIsIntersectionOverUnionWithoutThePlusOne() {
        assertThat(A.iou(A)).isEqualTo(1.0);
        assertThat(A.iou(new BoundingBox(5, 0, 10, 10))).isCloseTo(50.0 / 150.0, within(1e-12));
        assertThat(A.iou(new BoundingBox(10, 0, 10, 10))).isZero();   // touching edges share no area
        assertThat(A.iou(new BoundingBox(2, 2, 4, 4))).isCloseTo(16.0 / 100.0, within(1e-12));
        assertThat(new BoundingBox(3, 3, 0, 0).iou(new BoundingBox(3, 3, 0, 0))).isZero();
    }

    @Test
    void aPerfectDetectionScoresOne() {
        // precision is tp / (tp + fp + eps) with eps = np.spacing(1), as in pycocotools: 1 - 2.2e-16
        DetectionScores s = evaluator.evaluate(List.of(truth(1, 1, A)), List.of(found(1, 1, A, 0.9)));
        assertThat(s.ap()).isCloseTo(1.0, within(1e-12));
        assertThat(s.ap50()).isCloseTo(1.0, within(1e-12));
        assertThat(s.ap75()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void aLowerScoredDuplicateIsAFalsePositiveThatCostsNothingAfterFullRecall() {
        // ranks: TP (r 1, p 1), FP (r 1, p .5) -> interpolated precision 1 at every recall point
        DetectionScores s = evaluator.evaluate(List.of(truth(1, 1, A)),
                List.of(found(1, 1, A, 0.9), found(1, 1, A, 0.8)));
        assertThat(s.ap()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void aLooseDuplicateRankedFirstTakesTheMatchOnlyAtLowThresholds() {
        // IoU of the loose box with the truth is 62/100: it matches at t = .50, .55, .60 (then
        // the exact box is a duplicate, AP_t = 1); above, it is a false positive ranked first:
        // ranks FP (r 0, p 0), TP (r 1, p .5) -> precision .5 everywhere, AP_t = .5
        BoundingBox loose = new BoundingBox(0, 0, 10, 6.2);
        DetectionScores s = evaluator.evaluate(List.of(truth(1, 1, A)),
                List.of(found(1, 1, loose, 0.9), found(1, 1, A, 0.8)));
        assertThat(s.ap50()).isCloseTo(1.0, within(1e-12));
        assertThat(s.ap75()).isCloseTo(0.5, within(1e-12));
        assertThat(s.ap()).isCloseTo((3 * 1.0 + 7 * 0.5) / 10, within(1e-12));
    }

    @Test
    void aMissedObjectCapsRecallAtHalf() {
        // one TP for two objects: recall .5 -> precision 1 at the 51 points 0, .01, ..., .50; 0 after
        DetectionScores s = evaluator.evaluate(List.of(truth(1, 1, A), truth(1, 1, B)), List.of(found(1, 1, A, 0.9)));
        assertThat(s.ap()).isCloseTo(51.0 / 101, within(1e-12));
        assertThat(s.ap50()).isCloseTo(51.0 / 101, within(1e-12));
    }

    @Test
    void noDetectionsScoreZeroAndCategoriesWithoutTruthAreLeftOut() {
        // category 1 perfect, category 2 has truth and only a miss (AP 0), category 3 has a
        // detection but no truth: left out of the mean, as pycocotools' -1 entries
        DetectionScores s = evaluator.evaluate(
                List.of(truth(1, 1, A), truth(1, 2, B)),
                List.of(found(1, 1, A, 0.9), found(1, 2, FAR, 0.8), found(1, 3, B, 0.99)));
        assertThat(s.ap()).isCloseTo(0.5, within(1e-12));
        assertThat(s.perCategoryAp()).containsOnlyKeys(1, 2);
        assertThat(s.perCategoryAp().get(2)).isZero();
    }

    @Test
    void aBoxOfTheWrongClassMatchesNothing() {
        // the category-1 box on the category-2 object is a category-1 false positive ranked
        // below the category-1 true positive (AP 1); category 2 has no detection (AP 0)
        DetectionScores s = evaluator.evaluate(
                List.of(truth(1, 1, A), truth(1, 2, B)),
                List.of(found(1, 1, A, 0.9), found(1, 1, B, 0.3)));
        assertThat(s.perCategoryAp().get(1)).isCloseTo(1.0, within(1e-12));
        assertThat(s.perCategoryAp().get(2)).isZero();
        assertThat(s.ap()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void detectionsAreRankedAcrossImagesByScore() {
        // ranks: TP (img 1, r .5, p 1), FP (img 2, r .5, p .5), TP (img 2, r 1, p 2/3);
        // interpolated: 1 for the 51 points up to .5, 2/3 for the 50 above
        DetectionScores s = evaluator.evaluate(List.of(truth(1, 1, A), truth(2, 1, B)),
                List.of(found(1, 1, A, 0.9), found(2, 1, FAR, 0.8), found(2, 1, B, 0.7)));
        assertThat(s.ap()).isCloseTo((51 + 50 * 2.0 / 3) / 101, within(1e-9));
    }

    @Test
    void onlyTheHundredBestDetectionsOfAnImageCount() {
        List<DetectedBox> ninetyNineMisses = new ArrayList<>();
        for (int i = 0; i < 99; i++) {
            ninetyNineMisses.add(found(1, 1, FAR, 0.9));
        }
        List<DetectedBox> kept = new ArrayList<>(ninetyNineMisses);
        kept.add(found(1, 1, A, 0.5));
        // the hit is the 100th: recall 1 at precision 1/100 -> 0.01 at every point
        assertThat(evaluator.evaluate(List.of(truth(1, 1, A)), kept).ap()).isCloseTo(0.01, within(1e-9));
        List<DetectedBox> dropped = new ArrayList<>(ninetyNineMisses);
        dropped.add(found(1, 1, FAR, 0.9));
        dropped.add(found(1, 1, A, 0.5));
        assertThat(evaluator.evaluate(List.of(truth(1, 1, A)), dropped).ap()).isZero();
    }

    @Test
    void withoutAnyTruthTheScoresAreUndefined() {
        assertThat(evaluator.evaluate(List.of(), List.of(found(1, 1, A, 0.9))).ap()).isNaN();
    }
}
