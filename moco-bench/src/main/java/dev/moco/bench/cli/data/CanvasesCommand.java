package dev.moco.bench.cli.data;

import dev.moco.bench.cli.RunDirectory;
import dev.moco.core.data.ImageFile;
import dev.moco.downstream.canvas.CanvasDirectory;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.downstream.canvas.CanvasSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code moco data canvases}: writes the detection and segmentation benchmark built from
 * Fashion-MNIST (see {@link CanvasDirectory} for the layout).
 */
@Command(name = "canvases", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes Fashion-MNIST garments on canvases: PNG images, COCO instances JSON, PNG semantic masks.",
        footer = {"", "Deterministic from --seed: train canvases use only the training split, test canvases only the test split."})
public final class CanvasesCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write (must be empty or absent).")
    Path out;

    @Option(names = "--fashion-mnist", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
    Path fashionMnist;

    @Option(names = "--train", defaultValue = "2000", paramLabel = "N", description = "Training canvases (default: ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--test", defaultValue = "500", paramLabel = "N", description = "Test canvases (default: ${DEFAULT-VALUE}).")
    int test;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Generator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--size", defaultValue = "" + CanvasSpec.DEFAULT_SIZE, paramLabel = "PX", description = "Canvas side; garments are size/4 to 3*size/4 (default: ${DEFAULT-VALUE}).")
    int size;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter console = spec.commandLine().getOut();
        // a set every transfer command accepts, or none: they need training and test canvases
        List<String> problems = new ArrayList<>();
        if (train < 1) {
            problems.add("--train must be at least 1 canvas (fine-tuning needs training canvases), got " + train);
        }
        if (test < 1) {
            problems.add("--test must be at least 1 canvas (scoring needs test canvases), got " + test);
        }
        if (size < 8) {
            problems.add("--size must be at least 8 pixels, got " + size);
        } else {
            try {
                ImageFile.requireWithin("--size " + size + ": a canvas", size, size, ImageFile.maxPixels());
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join("\n", problems));
        }
        RunDirectory.requireWritable("--out", out);
        if (Files.isDirectory(out)) {
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("--out " + out + " is not empty; choose a new directory");
                }
            }
        }
        CanvasSpec spec = CanvasSpec.of(size, train, test, seed);
        CanvasSet set = CanvasSource.open("--fashion-mnist", fashionMnist, spec);
        CanvasDirectory.write(set, out);
        long garments = set.train().stream().mapToLong(c -> c.instances().size()).sum()
                + set.test().stream().mapToLong(c -> c.instances().size()).sum();
        console.println("wrote " + set.train().size() + " train and " + set.test().size() + " test canvases of " + size + "x"
                + size + " (" + garments + " garments, seed " + seed + ") to " + out);
        console.flush();
        return 0;
    }
}
