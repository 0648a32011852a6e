package dev.moco.core.data;

/** The two parts of an MNIST-format data set and the file-name prefix each uses. */
public enum Split {
    /** {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}. */
    TRAIN("train"),
    /** {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}. */
    TEST("t10k");

    private final String filePrefix;

    Split(String filePrefix) {
        this.filePrefix = filePrefix;
    }

    /** Base name (without {@code .gz}) of this split's image file. */
    public String imagesFileName() {
        return filePrefix + "-images-idx3-ubyte";
    }

    /** Base name (without {@code .gz}) of this split's label file. */
    public String labelsFileName() {
        return filePrefix + "-labels-idx1-ubyte";
    }
}
