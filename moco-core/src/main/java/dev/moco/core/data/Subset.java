package dev.moco.core.data;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A view of some images of another data set, in the order of {@code parentIndices}:
 * image {@code i} of the subset is image {@code parentIndex(i)} of the parent.
 */
public final class Subset implements ImageDataset {

    private final ImageDataset parent;
    private final int[] parentIndices;

    private Subset(ImageDataset parent, int[] parentIndices) {
        this.parent = parent;
        this.parentIndices = parentIndices;
    }

    /** The images {@code parentIndices} of {@code parent} (copied; duplicates allowed). */
    public static Subset of(ImageDataset parent, int[] parentIndices) {
        Objects.requireNonNull(parent, "parent");
        int[] copy = parentIndices.clone();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] < 0 || copy[i] >= parent.size()) {
                throw new IndexOutOfBoundsException("subset index " + copy[i] + " at position " + i
                        + " is outside the parent data set of " + parent.size() + " images");
            }
        }
        return new Subset(parent, copy);
    }

    /**
     * The images of {@code parent} whose label is one of {@code labels}, in the parent's order:
     * a data selection by class (e.g. pretraining on five Fashion-MNIST classes and testing
     * transfer on the other five).
     *
     * @param labels the classes to keep, each once
     * @throws IllegalArgumentException if {@code labels} is empty, names a class twice, or
     *     names a class of which {@code parent} has no image (the message lists the classes it has);
     *     the caller adds which option and data set
     */
    public static Subset ofClasses(ImageDataset parent, int... labels) {
        Objects.requireNonNull(parent, "parent");
        if (labels.length == 0) {
            throw new IllegalArgumentException("no classes chosen: name at least one label");
        }
        BitSet present = new BitSet();
        for (int i = 0; i < parent.size(); i++) {
            if (parent.label(i) >= 0) {
                present.set(parent.label(i));
            }
        }
        BitSet chosen = new BitSet();
        for (int label : labels) {
            if (label < 0 || !present.get(label)) {
                throw new IllegalArgumentException("class " + label + " has no images; " + (present.isEmpty()
                        ? "the images have no labels" : "the classes present are " + present.stream()
                                .mapToObj(Integer::toString).collect(Collectors.joining(", "))));
            }
            if (chosen.get(label)) {
                throw new IllegalArgumentException("class " + label + " is listed twice");
            }
            chosen.set(label);
        }
        int[] kept = IntStream.range(0, parent.size()).filter(i -> parent.label(i) >= 0
                && chosen.get(parent.label(i))).toArray();
        return new Subset(parent, kept);
    }

    public ImageDataset parent() {
        return parent;
    }

    /** The parent's index of image {@code index} of this subset. */
    public int parentIndex(int index) {
        return parentIndices[Objects.checkIndex(index, parentIndices.length)];
    }

    /** All parent indices, in subset order (a copy). */
    public int[] parentIndices() {
        return parentIndices.clone();
    }

    @Override
    public int size() {
        return parentIndices.length;
    }

    @Override
    public ImageShape shape() {
        return parent.shape();
    }

    @Override
    public int label(int index) {
        return parent.label(parentIndex(index));
    }

    @Override
    public void readImage(int index, float[] destination, int offset) {
        parent.readImage(parentIndex(index), destination, offset);
    }

    @Override
    public String toString() {
        return "Subset[" + parentIndices.length + " of " + parent + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Subset s && s.parent == parent && Arrays.equals(s.parentIndices, parentIndices);
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(parent) * 31 + Arrays.hashCode(parentIndices);
    }
}
