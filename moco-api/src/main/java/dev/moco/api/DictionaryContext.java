package dev.moco.api;

import java.util.Iterator;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What a {@link DictionaryProvider} may use to build its dictionary. */
public interface DictionaryContext {

    /** The query encoder f_q (a key encoder is copied from it; end-to-end uses it). */
    Encoder queryEncoder();

    /** Feature dimension C of the (normalised) queries and keys. */
    int featureDimension();

    /** Number of samples in the training set (the memory bank's rows). */
    long datasetSize();

    /**
     * The training images without augmentation, in batches [n, channels, height, width]
     * that together hold samples 0, 1, ..., N − 1 in index order; read on demand, for a
     * mechanism that encodes the whole training set once (a memory bank filled by the
     * untrained encoder).
     *
     * @throws IllegalStateException if the run has no training set to read (a benchmark on random data)
     */
    Iterator<INDArray> trainingImagesInIndexOrder();

    /** Images per training step N. */
    int batchSize();

    /** Shuffle-BN groups for computing keys; 1 means off. */
    int shuffleGroups();

    /**
     * Whether keys are permuted before their {@link #shuffleGroups()} BN groups (shuffle BN);
     * false keeps each key in its query's group, the no-shuffle ablation of He et al. 2020,
     * Sec. 3.3 and Appendix A.1, in which the model can cheat. Default true.
     */
    default boolean shuffleKeys() {
        return true;
    }

    /** Seed from which the dictionary derives all its randomness. */
    long seed();

    /** A configuration value, validated against the provider's declared settings. */
    int intSetting(String key);

    /** A configuration value, validated against the provider's declared settings. */
    double doubleSetting(String key);

    /** A configuration value, validated against the provider's declared settings. */
    String stringSetting(String key);
}
