package dev.moco.bench.cli.data;

import dev.moco.core.data.IdxDataset;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.Split;
import dev.moco.core.data.Subset;
import dev.moco.downstream.canvas.CanvasDirectory;
import dev.moco.downstream.canvas.CanvasGenerator;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.canvas.GarmentClasses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the transfer commands' canvases come from: a directory written by
 * {@code moco data canvases}, or Fashion-MNIST IDX files from which the same set is
 * generated in memory (train canvases from the training split, test canvases from the test
 * split).
 */
public final class CanvasSource {

    private CanvasSource() {
    }

    /**
     * @param data a canvas directory, or a directory with Fashion-MNIST's four IDX files
     * @param spec the set to generate when {@code data} holds IDX files (ignored for a canvas directory)
     */
    public static CanvasSet open(Path data, CanvasSpec spec) throws IOException {
        return open("--data", data, spec);
    }

    /** As {@link #open(Path, CanvasSpec)}, with the option that named {@code data}, for messages. */
    public static CanvasSet open(String option, Path data, CanvasSpec spec) throws IOException {
        return open(option, data, spec, null, GarmentClasses.ALL);
    }

    /**
     * As {@link #open(Path, CanvasSpec)}, generating the canvases from the images of
     * {@code classes} only, in both splits (the images of other classes are never drawn).
     *
     * @param classesOption the option that named {@code classes}, for messages
     * @throws IllegalArgumentException naming {@code classesOption} when a split has no image of one of the classes
     */
    public static CanvasSet open(Path data, CanvasSpec spec, String classesOption, GarmentClasses classes)
            throws IOException {
        return open("--data", data, spec, classesOption, classes);
    }

    private static CanvasSet open(String option, Path data, CanvasSpec spec, String classesOption, GarmentClasses classes)
            throws IOException {
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException(option + " " + data + (Files.exists(data) ? " is not a directory"
                    : " does not exist"));
        }
        if (CanvasDirectory.isCanvasDirectory(data)) {
            return CanvasDirectory.read(data);
        }
        if (!Files.exists(data.resolve(Split.TRAIN.imagesFileName())) && !Files.exists(data.resolve(Split.TRAIN.imagesFileName() + ".gz"))) {
            throw new IllegalArgumentException(option + " " + data + " is neither a canvas set (no " + CanvasDirectory.PROPERTIES
                    + ") nor a directory of Fashion-MNIST IDX files to generate one from");
        }
        ImageDataset train = IdxDataset.open(data, Split.TRAIN);
        ImageDataset test = IdxDataset.open(data, Split.TEST);
        if (!classes.equals(GarmentClasses.ALL)) {
            train = ofClasses(train, classes, classesOption, "training", data);
            test = ofClasses(test, classes, classesOption, "test", data);
        }
        return CanvasGenerator.generate(spec, train, test);
    }

    private static ImageDataset ofClasses(ImageDataset split, GarmentClasses classes, String option, String splitName,
            Path data) {
        try {
            return Subset.ofClasses(split, classes.labels().stream().mapToInt(Integer::intValue).toArray());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + classes + ": " + e.getMessage() + " (the " + splitName
                    + " split of " + data + ")", e);
        }
    }
}
