package dev.moco.core.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where to find Fashion-MNIST (Xiao, Rasul and Vollgraf, arXiv:1708.07747) and what its
 * labels mean: 70,000 28x28 grayscale images of 10 clothing classes, 60,000 for training
 * and 10,000 for testing, MIT licence.
 *
 * <pre>{@code
 * ImageDataset test = FashionMnist.embeddedTest();           // needs moco-bench on the class path
 * ImageDataset train = IdxDataset.open(FashionMnist.DEBIAN_DIRECTORY, Split.TRAIN);
 * }</pre>
 */
public final class FashionMnist {

    /** Class-path directory of the embedded test split (shipped in moco-bench's jar). */
    public static final String RESOURCE_DIRECTORY = "datasets/fashion-mnist";

    /** Where Debian's {@code dataset-fashion-mnist} package installs all four files. */
    public static final Path DEBIAN_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");

    /** Label index to class name. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser",
            "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {
    }

    /** The 10,000-image test split embedded as class-path resources (moco-bench). */
    public static IdxDataset embeddedTest() throws IOException {
        return IdxDataset.fromResources(RESOURCE_DIRECTORY, Split.TEST);
    }
}
