package dev.moco.api;

import java.util.Iterator;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What a {@link DictionaryProvider} may use to build its dictionary. */
public interface DictionaryContext {

    /** {@return the query encoder f_q (a key encoder is copied from it; end-to-end uses it)} */
    Encoder queryEncoder();

    /** {@return the feature dimension C of the (normalised) queries and keys} */
    int featureDimension();

    /** {@return the number of samples in the training set (the memory bank's rows)} */
    long datasetSize();

    /**
     * The training images without augmentation, in batches [n, channels, height, width]
     * that together hold samples 0, 1, ..., N − 1 in index order; read on demand, for a
     * mechanism that encodes the whole training set once (a memory bank filled by the
     * untrained encoder).
     *
     * @return a new iterator over the training images
     *
     * @throws IllegalStateException if the run has no training set to read (a benchmark on random data)
     */
    Iterator<INDArray> trainingImagesInIndexOrder();

    /** {@return the images per training step, N, over all workers of a data-parallel run} */
    int batchSize();

    /** {@return the shuffle-BN groups G for computing keys, over all workers of a data-parallel run; 1 means off} */
    int shuffleGroups();

    /**
     * Whether keys are permuted before their {@link #shuffleGroups()} BN groups (shuffle BN);
     * false keeps each key in its query's group, the no-shuffle ablation of He et al. 2020,
     * Sec. 3.3 and Appendix A.1, in which the model can cheat. Default true.
     *
     * @return true to shuffle the keys before their BN groups
     */
    default boolean shuffleKeys() {
        return true;
    }

    /**
     * The workers of a data-parallel run, through which a dictionary gathers what every worker
     * must hold (MoCo's keys for one global queue). Each worker holds a replica of the
     * dictionary, whose {@link Dictionary#contrast} and {@link Dictionary#update} get that
     * worker's N/W rows of the batch; the replicas must stay what one process would hold (see
     * docs/distributed.md, "For dictionary authors"). A mechanism that cannot refuses in
     * {@link DictionaryProvider#create} when {@code collective().workers() > 1}. A
     * single-process run, and the default, is {@link Collective#SINGLE_PROCESS}.
     *
     * @return the run's collective
     */
    default Collective collective() {
        return Collective.SINGLE_PROCESS;
    }

    /** {@return the seed from which the dictionary derives all its randomness} */
    long seed();

    /**
     * A configuration value, validated against the provider's declared settings.
     *
     * @param key one of the provider's {@link DictionaryProvider#settings()} keys
     * @return its value
     * @throws IllegalArgumentException naming the key if the value is not an integer
     */
    int intSetting(String key);

    /**
     * A configuration value, validated against the provider's declared settings.
     *
     * @param key one of the provider's {@link DictionaryProvider#settings()} keys
     * @return its value
     * @throws IllegalArgumentException naming the key if the value is not a number
     */
    double doubleSetting(String key);

    /**
     * A configuration value, validated against the provider's declared settings.
     *
     * @param key one of the provider's {@link DictionaryProvider#settings()} keys
     * @return its value, trimmed
     */
    String stringSetting(String key);
}
