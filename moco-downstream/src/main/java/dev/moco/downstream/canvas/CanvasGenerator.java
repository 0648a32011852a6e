package dev.moco.downstream.canvas;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.Resampler;
import dev.moco.api.kit.SplitMix64;
import dev.moco.downstream.metrics.BoundingBox;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the canvases of a {@link CanvasSpec} from Fashion-MNIST, deterministically: canvas
 * i of a split draws every random choice from a generator seeded with (seed, split, i), so a
 * set can be regenerated anywhere from the same files and spec.
 *
 * <p>Each canvas is black and gets 1 to {@code maxGarments} garments, painted in order (the
 * last on top). A garment is a random image of the split, resized (bilinear, antialiased) to
 * a random side in [minGarment, maxGarment], at a random position fully inside the canvas.
 * Its pixels are those of at least {@link #FOREGROUND_LEVEL} grey levels (the resize's faint
 * halo is left transparent). A placement is retried (up to {@link #PLACEMENT_ATTEMPTS} times)
 * when its box overlaps an earlier garment's box with IoU above {@link #MAX_BOX_IOU} or it
 * would hide more than half of an earlier garment, so overlaps occur but every garment stays
 * recognisable; when all attempts fail the canvas keeps the garments it has.
 *
 * <pre>{@code
 * CanvasSet set = CanvasGenerator.generate(CanvasSpec.of(64, 2000, 500, 7), fashionTrain, fashionTest);
 * }</pre>
 */
public final class CanvasGenerator {

    /** Grey level (of 255) from which a resized garment pixel is opaque. */
    public static final int FOREGROUND_LEVEL = 16;
    public static final int PLACEMENT_ATTEMPTS = 30;
    public static final double MAX_BOX_IOU = 0.5;
    /** Fewest visible pixels a garment keeps when covered, as a fraction of its own. */
    public static final double MIN_VISIBLE_FRACTION = 0.5;
    private static final long TRAIN_SALT = 0x7a41L;
    private static final long TEST_SALT = 0x7e57L;

    private final CanvasSpec spec;
    private final ImageDataset source;
    private final long salt;
    private final Resampler resampler = new Resampler();
    private final float[] sourceImage;
    private final float[] resized;

    private CanvasGenerator(CanvasSpec spec, ImageDataset source, long salt) {
        if (source.channels() != 1) {
            throw new IllegalArgumentException("canvases are grey: the source images must have 1 channel, got "
                    + source.shape());
        }
        if (source.size() == 0) {
            throw new IllegalArgumentException("the source split has no images");
        }
        this.spec = spec;
        this.source = source;
        this.salt = salt;
        this.sourceImage = new float[source.shape().length()];
        this.resized = new float[spec.maxGarment() * spec.maxGarment()];
    }

    /** The whole set: training canvases from {@code trainSplit}, test canvases from {@code testSplit}. */
    public static CanvasSet generate(CanvasSpec spec, ImageDataset trainSplit, ImageDataset testSplit) {
        List<Canvas> train = new CanvasGenerator(spec, trainSplit, TRAIN_SALT).canvases(spec.trainCount());
        List<Canvas> test = new CanvasGenerator(spec, testSplit, TEST_SALT).canvases(spec.testCount());
        return new CanvasSet(spec, train, test);
    }

    private List<Canvas> canvases(int count) {
        List<Canvas> canvases = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            canvases.add(canvas(i));
        }
        return canvases;
    }

    /** A garment being placed: its class, source image, and full (unoccluded) pixels. */
    private record Placed(int label, int sourceIndex, boolean[] visible, int fullArea, BoundingBox fullBox) {
    }

    private Canvas canvas(int index) {
        int size = spec.size();
        SplitMix64 random = new SplitMix64(SplitMix64.derive(SplitMix64.derive(spec.seed(), salt), index));
        int wanted = 1 + random.nextInt(spec.maxGarments());
        byte[] pixels = new byte[size * size];
        byte[] semantic = new byte[size * size];
        List<Placed> placed = new ArrayList<>();
        byte[] garment = new byte[size * size];
        for (int g = 0; g < wanted; g++) {
            for (int attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
                int sourceIndex = random.nextInt(source.size());
                int side = spec.minGarment() + random.nextInt(spec.maxGarment() - spec.minGarment() + 1);
                int left = random.nextInt(size - side + 1);
                int top = random.nextInt(size - side + 1);
                boolean[] mask = render(sourceIndex, side, left, top, garment);
                BoundingBox box = GarmentInstance.tightBox(mask, size);
                if (box == null || !fits(mask, box, placed)) {
                    continue;
                }
                int area = 0;
                for (int p = 0; p < mask.length; p++) {
                    if (mask[p]) {
                        area++;
                        pixels[p] = garment[p];
                        semantic[p] = (byte) (source.label(sourceIndex) + 1);
                        for (Placed below : placed) {
                            below.visible()[p] = false;
                        }
                    }
                }
                placed.add(new Placed(source.label(sourceIndex), sourceIndex, mask.clone(), area, box));
                break;
            }
        }
        List<GarmentInstance> instances = new ArrayList<>(placed.size());
        for (Placed p : placed) {
            instances.add(new GarmentInstance(p.label(), p.visible(), GarmentInstance.tightBox(p.visible(), size),
                    p.sourceIndex()));
        }
        return new Canvas(index + 1, size, pixels, semantic, instances);
    }

    /** Resizes source image {@code sourceIndex} to side×side at (left, top): grey levels into {@code garment}, opacity as the result. */
    private boolean[] render(int sourceIndex, int side, int left, int top, byte[] garment) {
        int size = spec.size();
        source.readImage(sourceIndex, sourceImage, 0);
        resampler.resize(sourceImage, 0, 1, source.height(), source.width(), 0, 0, source.height(), source.width(),
                resized, 0, side, side);
        boolean[] mask = new boolean[size * size];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int level = Math.round(Math.max(0f, Math.min(1f, resized[y * side + x])) * 255f);
                if (level >= FOREGROUND_LEVEL) {
                    int p = (top + y) * size + left + x;
                    mask[p] = true;
                    garment[p] = (byte) level;
                }
            }
        }
        return mask;
    }

    private static boolean fits(boolean[] mask, BoundingBox box, List<Placed> placed) {
        for (Placed below : placed) {
            if (box.iou(below.fullBox()) > MAX_BOX_IOU) {
                return false;
            }
            int stillVisible = 0;
            boolean[] visible = below.visible();
            for (int p = 0; p < mask.length; p++) {
                if (visible[p] && !mask[p]) {
                    stillVisible++;
                }
            }
            if (stillVisible < MIN_VISIBLE_FRACTION * below.fullArea()) {
                return false;
            }
        }
        return true;
    }
}
