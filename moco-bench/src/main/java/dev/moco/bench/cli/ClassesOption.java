package dev.moco.bench.cli;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.Subset;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * {@code --classes 0,1,2,3,4}: train on the images of these classes only (a {@link Subset} by
 * label), e.g. to pretrain on five Fashion-MNIST classes and test transfer on the other five.
 */
public final class ClassesOption {

    @Option(names = "--classes", split = ",", paramLabel = "LABEL[,LABEL...]",
            description = "Train only on the images of these classes, e.g. 0,1,2,3,4 (default: every image).")
    List<Integer> classes;

    /** Whether {@code --classes} was given. */
    public boolean chosen() {
        return classes != null;
    }

    /**
     * {@code images}, or its images of the chosen classes.
     *
     * @param source where {@code images} came from, for messages
     * @throws IllegalArgumentException naming {@code --classes}, its value and {@code source} when a class has no
     *     images there or is listed twice
     */
    public ImageDataset select(ImageDataset images, Object source) {
        if (classes == null) {
            return images;
        }
        try {
            return Subset.ofClasses(images, classes.stream().mapToInt(Integer::intValue).toArray());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--classes " + this + ": " + e.getMessage() + " (" + source + ")", e);
        }
    }

    /** {@code source} and, where {@code --classes} chose some, the classes: "DIR, classes 0,1,2,3,4". */
    public String describe(Object source) {
        return classes == null ? String.valueOf(source) : source + ", classes " + this;
    }

    /** "0,1,2,3,4" as typed; "all" when not given. */
    @Override
    public String toString() {
        return classes == null ? "all" : classes.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
