package dev.moco.dict.endtoend;

import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.InBatchKeys;
import dev.moco.api.TrainingBatch;
import dev.moco.api.kit.NormalizedPass;
import dev.moco.api.kit.ShuffleBatchNorm;
import dev.moco.api.kit.StepRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The end-to-end mechanism (He et al. 2020, Fig. 2a; as in Ye et al. 2019, CPC, SimCLR's
 * in-batch negatives): the keys are the <em>query</em> encoder's features of the key view,
 * computed in the same step, and they carry gradient. Query i's positive is key i; its
 * negatives are the other N − 1 keys of the batch, so K = N − 1 and the dictionary size is
 * bound to the batch size, and with it to the memory of one training step.
 *
 * <p>Per step, {@link #contrast} runs
 * {@code normalize(shuffleBN(f_q)(x_k))} in training mode (groups = the core's shuffle-BN
 * groups; the permutation is a function of (seed, step)), and the returned
 * {@link InBatchKeys#backward} back-propagates d loss / d keys through that pass into the
 * query encoder's gradients, which then hold the sum of the query-path and key-path
 * gradients. Nothing persists between steps: {@link #update} does nothing and
 * {@link #state()} is empty.
 *
 * <p>Batch normalisation's running statistics are updated by both the query and the key
 * pass, as when a PyTorch module is called twice per step.
 *
 * <pre>{@code
 * Dictionary d = new EndToEndDictionary(queryEncoder, 256, 1, seed);
 * Encoder.Pass q = new NormalizedPass(queryEncoder.forward(xq, Encoder.Mode.TRAINING));
 * InBatchKeys keys = d.contrast(batch, q.output());
 * ContrastiveLoss.InBatchResult r = new InfoNceLoss(0.07).compute(q.output(), keys);
 * q.backward(r.queryGradient());
 * keys.backward(r.keyGradient());       // second path into the same encoder
 * }</pre>
 */
public final class EndToEndDictionary implements Dictionary {

    private final Encoder encoder;
    private final int batchSize;
    private final int shuffleGroups;
    private final long seed;

    /**
     * @param queryEncoder f_q, which also computes the keys
     * @param batchSize N, at least 2; K = N − 1
     * @param shuffleGroups shuffle-BN groups for the key pass, dividing N (the encoder checks); 1 is off
     * @param seed the seed of the per-step shuffle permutations
     */
    public EndToEndDictionary(Encoder queryEncoder, int batchSize, int shuffleGroups, long seed) {
        if (batchSize < 2) {
            throw new IllegalArgumentException("end-to-end: batch size must be >= 2 (its keys are the other "
                    + "images of the batch, K = batch size − 1), got " + batchSize);
        }
        this.encoder = queryEncoder;
        this.batchSize = batchSize;
        this.shuffleGroups = shuffleGroups;
        this.seed = seed;
    }

    /** Runs the query encoder on the key view; the keys are positives and in-batch negatives. */
    @Override
    public InBatchKeys contrast(TrainingBatch batch, INDArray queries) {
        if (queries.rank() != 2 || queries.size(0) != batch.size()) {
            throw new IllegalArgumentException("end-to-end: queries must be [" + batch.size()
                    + ", C] for this batch, got " + Arrays.toString(queries.shape()));
        }
        SplittableRandom random = StepRandom.of(seed, batch.step());
        NormalizedPass keys = new NormalizedPass(ShuffleBatchNorm.forward(
                encoder, batch.keyView(), Encoder.Mode.TRAINING, shuffleGroups, random));
        return new InBatchContrast(keys);
    }

    /** Nothing to update: the keys live for one step. */
    @Override
    public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {
    }

    /** K = batch size − 1 (for a full batch). */
    @Override
    public long negativesPerQuery() {
        return batchSize - 1;
    }

    /** Empty: nothing outlives a step. */
    @Override
    public Map<String, INDArray> state() {
        return Map.of();
    }

    /**
     * Accepts only an empty state.
     *
     * @throws IllegalArgumentException naming an entry, e.g. when given a queue's or a bank's checkpoint
     */
    @Override
    public void restore(Map<String, INDArray> state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException("end-to-end keeps no state, but the checkpoint holds '"
                    + state.keySet().iterator().next() + "' (is this another mechanism's checkpoint?)");
        }
    }

    /**
     * 0: no memory outlives a step. Its cost is the key pass's activations, which grow with
     * the batch like the query pass's.
     */
    @Override
    public long memoryBytes() {
        return 0;
    }

    /** The batch's own keys, as positives and as each other's negatives, with their backward. */
    private static final class InBatchContrast implements InBatchKeys {
        private final NormalizedPass keys;
        private boolean backwardDone;

        InBatchContrast(NormalizedPass keys) {
            this.keys = keys;
        }

        @Override
        public INDArray positives() {
            return keys.output();
        }

        @Override
        public void backward(INDArray keyGradient) {
            if (backwardDone) {
                throw new IllegalStateException("end-to-end: the keys' backward may be called once per step");
            }
            if (!Arrays.equals(keyGradient.shape(), keys.output().shape())) {
                throw new IllegalArgumentException("end-to-end: key gradient has shape "
                        + Arrays.toString(keyGradient.shape()) + ", the keys " + Arrays.toString(keys.output().shape()));
            }
            backwardDone = true;
            keys.backward(keyGradient);
        }
    }
}
