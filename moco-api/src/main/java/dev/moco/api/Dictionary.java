package dev.moco.api;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A mechanism that keeps the keys queries are contrasted with (He et al. 2020, Fig. 2): a
 * queue filled by a momentum key encoder, a memory bank indexed by sample, or the current
 * batch's own keys (end-to-end). The trainer calls, per step:
 *
 * <pre>{@code
 * Contrast c = dictionary.contrast(batch, queries);   // before the loss
 * ... loss, backward (into the keys too when c is InBatchKeys), optimizer step ...
 * dictionary.update(batch, queries, c);               // after the optimizer step
 * }</pre>
 *
 * <p>Both calls run inside the step's ND4J workspace ({@link dev.moco.api.kit.StepWorkspace}):
 * an array they create is reused by the next step, so state that outlives the step is written
 * into arrays made beforehand (the queue, the bank), or created
 * {@link dev.moco.api.kit.StepWorkspace#outside()} the workspace.
 */
public interface Dictionary extends AutoCloseable {

    /**
     * Looks up the positives and negatives for this batch's queries: a
     * {@link SharedNegatives} (queue, memory bank) or {@link InBatchKeys} (end-to-end). Must
     * not change the negatives this step's logits are computed with: updates wait for
     * {@link #update}.
     *
     * @param batch this step's two views, sample indices and step number
     * @param queries the L2-normalised queries of this batch, [N, C] (read-only)
     * @return the positives and negatives of this step's loss
     */
    Contrast contrast(TrainingBatch batch, INDArray queries);

    /**
     * Updates the dictionary after the step (enqueue the keys, write the bank rows). Called
     * after the optimizer step of the query encoder.
     *
     * @param batch this step's batch
     * @param queries the queries of this step, [N, C]
     * @param contrast what {@link #contrast} returned for this batch
     */
    void update(TrainingBatch batch, INDArray queries, Contrast contrast);

    /** {@return the number of negatives per query, K} */
    long negativesPerQuery();

    /**
     * Everything needed to continue exactly after a restart (queue and pointer, bank,
     * key encoder parameters and buffers), by name. Values may be live views.
     *
     * @return the state by name
     */
    Map<String, INDArray> state();

    /**
     * Restores {@link #state()}.
     *
     * @param state a map {@link #state()} of an equally configured dictionary returned
     * @throws IllegalArgumentException naming the entry when a name is missing or a shape
     *     does not match this dictionary's configuration
     */
    void restore(Map<String, INDArray> state);

    /** {@return the bytes of memory the dictionary holds (keys, bank, key encoder)} */
    long memoryBytes();

    /**
     * Frees native resources the dictionary holds (a key encoder's primitives and arenas); it
     * must not be used afterwards. Dictionaries on the JVM heap alone need do nothing.
     */
    @Override
    default void close() {
    }
}
