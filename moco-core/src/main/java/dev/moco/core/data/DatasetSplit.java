package dev.moco.core.data;

import dev.moco.api.kit.SplitMix64;
import java.util.Arrays;

/**
 * A data set divided at random into a training part and a held-out part (e.g. for kNN
 * evaluation), reproducibly: the same data set size, held-out count and seed always give the
 * same division. Each part keeps the parent's order (its parent indices are ascending), so
 * indices are stable and a part's index i is the memory-bank row of that image.
 *
 * <pre>{@code
 * // quickstart: train on 8,000 of the 10,000 embedded Fashion-MNIST test images, hold out 2,000
 * DatasetSplit split = DatasetSplit.holdOut(FashionMnist.embeddedTest(), 2_000, 42);
 * ImageDataset train = split.train();      // 8,000 images
 * ImageDataset heldOut = split.heldOut();  // 2,000 images
 * }</pre>
 *
 * @param train the images not held out
 * @param heldOut the held-out images
 */
public record DatasetSplit(Subset train, Subset heldOut) {

    /** Holds out {@code heldOutCount} images chosen uniformly at random from {@code seed}. */
    public static DatasetSplit holdOut(ImageDataset dataset, int heldOutCount, long seed) {
        int n = dataset.size();
        if (heldOutCount < 0 || heldOutCount > n) {
            throw new IllegalArgumentException("cannot hold out " + heldOutCount + " of "
                    + n + " images");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        new SplitMix64(SplitMix64.derive(seed, 0x5b1175L)).shuffle(order);
        int[] held = Arrays.copyOfRange(order, 0, heldOutCount);
        int[] kept = Arrays.copyOfRange(order, heldOutCount, n);
        Arrays.sort(held);
        Arrays.sort(kept);
        return new DatasetSplit(Subset.of(dataset, kept), Subset.of(dataset, held));
    }

    /** Holds out {@code round(fraction * size)} images chosen at random from {@code seed}. */
    public static DatasetSplit holdOutFraction(ImageDataset dataset, double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("held-out fraction must be in [0, 1], got " + fraction);
        }
        return holdOut(dataset, (int) Math.round(fraction * dataset.size()), seed);
    }
}
