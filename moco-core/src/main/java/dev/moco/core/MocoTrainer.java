package dev.moco.core;

import dev.moco.api.ContrastiveLoss;
import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.TrainingBatch;
import dev.moco.core.optim.Optimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training step of MoCo and its two baselines, in the order of the paper's Algorithm 1
 * (He et al. 2020). What differs between the queue, the memory bank and end-to-end lives
 * behind {@link Dictionary}: where keys come from, which negatives are used, whether the
 * keys carry gradient, and what is stored after the step.
 *
 * <pre>{@code
 * MocoTrainer trainer = new MocoTrainer(queryEncoder, dictionary, new InfoNceLoss(0.2), optimizer, stepsPerEpoch);
 * StepResult r = trainer.step(batch);
 * }</pre>
 */
public final class MocoTrainer {
    private final Encoder queryEncoder;
    private final Dictionary dictionary;
    private final ContrastiveLoss loss;
    private final Optimizer optimizer;
    private final long stepsPerEpoch;
    private final int queryNormalizationGroups;

    public MocoTrainer(Encoder queryEncoder, Dictionary dictionary, ContrastiveLoss loss,
                       Optimizer optimizer, long stepsPerEpoch) {
        this(queryEncoder, dictionary, loss, optimizer, stepsPerEpoch, 1);
    }

    /**
     * @param queryNormalizationGroups BN groups of the query forward (one per GPU of the
     *     paper's multi-GPU setting; 1: the whole batch); must divide the batch size
     */
    public MocoTrainer(Encoder queryEncoder, Dictionary dictionary, ContrastiveLoss loss,
                       Optimizer optimizer, long stepsPerEpoch, int queryNormalizationGroups) {
        if (queryNormalizationGroups < 1) {
            throw new IllegalArgumentException("query BN groups must be >= 1, got " + queryNormalizationGroups);
        }
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("steps per epoch must be >= 1, got " + stepsPerEpoch);
        }
        this.queryEncoder = queryEncoder;
        this.dictionary = dictionary;
        this.loss = loss;
        this.optimizer = optimizer;
        this.stepsPerEpoch = stepsPerEpoch;
        this.queryNormalizationGroups = queryNormalizationGroups;
    }

    /**
     * Runs one step on {@code batch}.
     *
     * @throws NonFiniteLossException if the loss or the gradient is NaN or infinite; the
     *     optimizer step and the dictionary update are then not applied
     */
    public StepResult step(TrainingBatch batch) {
        int iteration = (int) batch.step();
        int epoch = (int) (batch.step() / stepsPerEpoch);
        queryEncoder.zeroGradients();

        // q = normalize(f_q(x_q))
        Encoder.Pass queries = new NormalizedPass(queryEncoder.forward(batch.queryView(), Encoder.Mode.TRAINING,
                queryNormalizationGroups));
        INDArray q = queries.output();
        // k+ and the negatives: the mechanism's look-up (queue: momentum key encoder with shuffle BN)
        Contrast contrast = dictionary.contrast(batch, q);
        // InfoNCE over logits [q·k+ | q·negatives]/T, label 0
        ContrastiveLoss.Result result = loss.compute(q, contrast);
        if (!Double.isFinite(result.loss())) {
            throw new NonFiniteLossException(batch.step(), result.loss());
        }
        // backward into f_q, and into the keys when they carry gradient (end-to-end)
        queries.backward(result.queryGradient());
        if (contrast.keysCarryGradient()) {
            contrast.backwardKeys(result.keyGradient());
        }
        double gradientSum = queryEncoder.gradients().sumNumber().doubleValue();   // NaN or ±∞ if any entry is
        if (!Double.isFinite(gradientSum)) {
            throw new NonFiniteLossException(batch.step(), "the query encoder's gradient is " + gradientSum);
        }
        // SGD update of f_q, then the dictionary's update (enqueue k / write bank rows)
        double learningRate = optimizer.learningRate(iteration, epoch);
        optimizer.step(queryEncoder.parameters(), queryEncoder.gradients(), iteration, epoch);
        dictionary.update(batch, q, contrast);
        return new StepResult(result.loss(), result.accuracy(), learningRate);
    }

    public Encoder queryEncoder() {
        return queryEncoder;
    }

    public Dictionary dictionary() {
        return dictionary;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }
}
