package dev.moco.downstream.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleBiFunction;

/**
 * Average precision computed the way pycocotools' {@code COCOeval} (area range "all", no crowd
 * annotations) computes it, for boxes (iouType "bbox", {@link #boxes()}) and masks (iouType
 * "segm", {@link #masks()}): the two differ only in the IoU of a detection and a ground-truth
 * object, so that numbers compare with published COCO-style results:
 *
 * <ol>
 *   <li>per image and category, detections are ranked by score (stable) and the first
 *       {@link #MAX_DETECTIONS} kept;</li>
 *   <li>at each IoU threshold t, each detection in rank order takes the not yet matched
 *       ground-truth object of highest IoU ≥ t (for equal IoU the later one), else it is a
 *       false positive;</li>
 *   <li>per category, the detections of all images (in image-id order) are ranked by score
 *       (stable); precision is made monotonically non-increasing from the right, and read at
 *       the 101 recall points 0, 0.01, …, 1 (the first rank whose recall reaches the point; 0
 *       where recall never does);</li>
 *   <li>AP is the mean over the ten thresholds 0.50:0.05:0.95, the 101 points and every
 *       category with at least one ground-truth object (categories without any are left out,
 *       like pycocotools' −1 entries); AP50 and AP75 use one threshold.</li>
 * </ol>
 *
 * <pre>{@code
 * DetectionScores boxes = CocoEvaluator.boxes().evaluate(truthBoxes, detectedBoxes);
 * DetectionScores masks = CocoEvaluator.masks().evaluate(truthMasks, detectedInstances);
 * System.out.printf("AP: %.4f AP50: %.4f AP75: %.4f%n", masks.ap(), masks.ap50(), masks.ap75());
 * }</pre>
 *
 * @param <R> the kind of region matched
 */
public final class CocoEvaluator<R> {

    /** pycocotools' maxDets for the headline AP. */
    public static final int MAX_DETECTIONS = 100;
    /** Number of recall points, pycocotools' recThrs = linspace(0, 1, 101). */
    public static final int RECALL_POINTS = 101;
    /** np.linspace(.5, .95, 10) bit for bit (start + i·step, the last exactly .95; the ninth is 0.8999999999999999). */
    private static final double[] IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
    /** np.linspace(0, 1, 101): pycocotools' recThrs. */
    private static final double[] RECALL_THRESHOLDS = linspace(0, 1, RECALL_POINTS);
    private static final int AP50 = 0;
    private static final int AP75 = 5;
    /** numpy's np.spacing(1), which pycocotools adds to tp + fp. */
    private static final double EPS = Math.ulp(1.0);

    private final ToDoubleBiFunction<R, R> iou;

    /** @param iou the overlap of a detected region (first) with a ground-truth one (second) */
    public CocoEvaluator(ToDoubleBiFunction<R, R> iou) {
        this.iou = iou;
    }

    /** COCO's "bbox" evaluation. */
    public static CocoEvaluator<BoundingBox> boxes() {
        return new CocoEvaluator<>(BoundingBox::iou);
    }

    /** COCO's "segm" evaluation. */
    public static CocoEvaluator<BinaryMask> masks() {
        return new CocoEvaluator<>(BinaryMask::iou);
    }

    /** Scores {@code detections} against {@code groundTruth}. */
    public DetectionScores evaluate(List<? extends CocoObject<R>> groundTruth, List<? extends CocoDetection<R>> detections) {
        TreeSet<Integer> categories = new TreeSet<>();
        groundTruth.forEach(g -> categories.add(g.categoryId()));
        double sumAll = 0;
        double sum50 = 0;
        double sum75 = 0;
        int categoriesWithTruth = 0;
        Map<Integer, Double> perCategory = new TreeMap<>();
        for (int category : categories) {
            double[][] precision = categoryPrecision(category, groundTruth, detections); // [threshold][recall point]
            double categorySum = 0;
            for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
                double mean = mean(precision[t]);
                categorySum += mean;
                if (t == AP50) {
                    sum50 += mean;
                }
                if (t == AP75) {
                    sum75 += mean;
                }
            }
            perCategory.put(category, categorySum / IOU_THRESHOLDS.length);
            sumAll += categorySum / IOU_THRESHOLDS.length;
            categoriesWithTruth++;
        }
        if (categoriesWithTruth == 0) {
            return new DetectionScores(Double.NaN, Double.NaN, Double.NaN, Map.of());
        }
        return new DetectionScores(sumAll / categoriesWithTruth, sum50 / categoriesWithTruth, sum75 / categoriesWithTruth,
                perCategory);
    }

    /** One ranked detection of a category with its match flag at each threshold. */
    private record Ranked(double score, boolean[] matched) {
    }

    private double[][] categoryPrecision(int category, List<? extends CocoObject<R>> groundTruth,
            List<? extends CocoDetection<R>> detections) {
        Map<Integer, List<R>> truthByImage = new TreeMap<>();
        Map<Integer, List<CocoDetection<R>>> detectionsByImage = new TreeMap<>();
        int truthCount = 0;
        for (CocoObject<R> g : groundTruth) {
            if (g.categoryId() == category) {
                truthByImage.computeIfAbsent(g.imageId(), i -> new ArrayList<>()).add(g.region());
                truthCount++;
            }
        }
        for (CocoDetection<R> d : detections) {
            if (d.categoryId() == category) {
                detectionsByImage.computeIfAbsent(d.imageId(), i -> new ArrayList<>()).add(d);
            }
        }
        TreeSet<Integer> images = new TreeSet<>(truthByImage.keySet());
        images.addAll(detectionsByImage.keySet());
        List<Ranked> ranked = new ArrayList<>();
        for (int image : images) {
            List<R> truth = truthByImage.getOrDefault(image, List.of());
            List<CocoDetection<R>> found = new ArrayList<>(detectionsByImage.getOrDefault(image, List.of()));
            found.sort(Comparator.comparingDouble((CocoDetection<R> d) -> d.score()).reversed()); // List.sort is stable
            if (found.size() > MAX_DETECTIONS) {
                found = found.subList(0, MAX_DETECTIONS);
            }
            boolean[][] matched = match(truth, found);
            for (int d = 0; d < found.size(); d++) {
                boolean[] flags = new boolean[IOU_THRESHOLDS.length];
                for (int t = 0; t < flags.length; t++) {
                    flags[t] = matched[t][d];
                }
                ranked.add(new Ranked(found.get(d).score(), flags));
            }
        }
        ranked.sort(Comparator.comparingDouble(Ranked::score).reversed());
        double[][] precision = new double[IOU_THRESHOLDS.length][];
        for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
            precision[t] = interpolatedPrecision(ranked, t, truthCount);
        }
        return precision;
    }

    /** matched[t][d]: whether detection d (in rank order) matched a ground-truth object at threshold t. */
    private boolean[][] match(List<R> truth, List<CocoDetection<R>> found) {
        boolean[][] matched = new boolean[IOU_THRESHOLDS.length][found.size()];
        double[][] overlap = new double[found.size()][truth.size()];
        for (int d = 0; d < found.size(); d++) {
            for (int g = 0; g < truth.size(); g++) {
                overlap[d][g] = iou.applyAsDouble(found.get(d).region(), truth.get(g));
            }
        }
        for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
            boolean[] taken = new boolean[truth.size()];
            for (int d = 0; d < found.size(); d++) {
                double best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
                int m = -1;
                for (int g = 0; g < truth.size(); g++) {
                    if (taken[g] || overlap[d][g] < best) {
                        continue;
                    }
                    best = overlap[d][g];
                    m = g;
                }
                if (m >= 0) {
                    taken[m] = true;
                    matched[t][d] = true;
                }
            }
        }
        return matched;
    }

    /** Precision at the 101 recall points for the ranked detections at threshold t. */
    private static double[] interpolatedPrecision(List<Ranked> ranked, int t, int truthCount) {
        int n = ranked.size();
        double[] recall = new double[n];
        double[] precision = new double[n];
        double tp = 0;
        double fp = 0;
        for (int i = 0; i < n; i++) {
            if (ranked.get(i).matched()[t]) {
                tp++;
            } else {
                fp++;
            }
            recall[i] = tp / truthCount;
            precision[i] = tp / (tp + fp + EPS);
        }
        for (int i = n - 1; i > 0; i--) {
            if (precision[i] > precision[i - 1]) {
                precision[i - 1] = precision[i];
            }
        }
        double[] atRecall = new double[RECALL_POINTS];
        int i = 0;
        for (int r = 0; r < RECALL_POINTS; r++) {
            double point = RECALL_THRESHOLDS[r];
            while (i < n && recall[i] < point) {
                i++;
            }
            atRecall[r] = i < n ? precision[i] : 0;
        }
        return atRecall;
    }

    private static double[] linspace(double start, double stop, int count) {
        double step = (stop - start) / (count - 1);
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = i * step + start;
        }
        values[count - 1] = stop;
        return values;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
