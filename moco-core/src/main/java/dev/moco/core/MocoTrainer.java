package dev.moco.core;

import dev.moco.api.Contrast;
import dev.moco.api.ContrastiveLoss;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.InBatchKeys;
import dev.moco.api.SharedNegatives;
import dev.moco.api.TrainingBatch;
import dev.moco.api.kit.NormalizedPass;
import dev.moco.api.kit.StepWorkspace;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.run.TrainingPosition;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training step of MoCo and its two baselines, in the order of the paper's Algorithm 1
 * (He et al. 2020). What differs between the queue, the memory bank and end-to-end lives
 * behind {@link Dictionary}: where keys come from, which negatives are used, whether the
 * keys carry gradient ({@link InBatchKeys}) or not ({@link SharedNegatives}), and what is
 * stored after the step.
 *
 * <pre>{@code
 * MocoTrainer trainer = new MocoTrainer(queryEncoder, dictionary, new InfoNceLoss(0.2), optimizer);
 * StepResult r = trainer.step(batch, position);
 * }</pre>
 */
public final class MocoTrainer {
    private final Encoder queryEncoder;
    private final Dictionary dictionary;
    private final ContrastiveLoss loss;
    private final Optimizer optimizer;
    private final int queryNormalizationGroups;

    /** @param optimizer built over {@code queryEncoder}'s parameter and gradient views */
    public MocoTrainer(Encoder queryEncoder, Dictionary dictionary, ContrastiveLoss loss, Optimizer optimizer) {
        this(queryEncoder, dictionary, loss, optimizer, 1);
    }

    /**
     * @param optimizer built over {@code queryEncoder}'s parameter and gradient views
     * @param queryNormalizationGroups BN groups of the query forward (one per GPU of the
     *     paper's multi-GPU setting; 1: the whole batch); must divide the batch size
     */
    public MocoTrainer(Encoder queryEncoder, Dictionary dictionary, ContrastiveLoss loss, Optimizer optimizer,
                       int queryNormalizationGroups) {
        if (queryNormalizationGroups < 1) {
            throw new IllegalArgumentException("query BN groups must be >= 1, got " + queryNormalizationGroups);
        }
        if (optimizer.parameterCount() != queryEncoder.parameters().length()) {
            throw new IllegalArgumentException("the optimizer was built for " + optimizer.parameterCount()
                    + " parameters, the query encoder has " + queryEncoder.parameters().length());
        }
        this.queryEncoder = queryEncoder;
        this.dictionary = dictionary;
        this.loss = loss;
        this.optimizer = optimizer;
        this.queryNormalizationGroups = queryNormalizationGroups;
    }

    /**
     * Runs one step on {@code batch}.
     *
     * @param at the run's position before this step; fixes the learning rate
     * @throws NonFiniteLossException if the loss or the gradient is NaN or infinite; the
     *     optimizer step and the dictionary update are then not applied
     */
    public StepResult step(TrainingBatch batch, TrainingPosition at) {
        if (batch.step() != at.globalStep()) {
            throw new IllegalArgumentException("batch of step " + batch.step() + " given at global step " + at.globalStep());
        }
        // every array the step creates lives in the step's workspace, reused by the next step
        try (MemoryWorkspace stepMemory = StepWorkspace.open(StepWorkspace.TRAINING_STEP)) {
            return stepInWorkspace(batch, at);
        }
    }

    private StepResult stepInWorkspace(TrainingBatch batch, TrainingPosition at) {
        queryEncoder.zeroGradients();

        // q = normalize(f_q(x_q))
        Encoder.Pass queries = new NormalizedPass(queryEncoder.forward(batch.queryView(), Encoder.Mode.TRAINING,
                queryNormalizationGroups));
        INDArray q = queries.output();
        // k+ and the negatives: the mechanism's look-up (queue: momentum key encoder with shuffle BN)
        Contrast contrast = dictionary.contrast(batch, q);
        // InfoNCE over logits [q·k+ | q·negatives]/T, label 0; backward into f_q, and into the keys when they carry gradient
        ContrastiveLoss.Result result;
        if (contrast instanceof InBatchKeys keys) {
            ContrastiveLoss.InBatchResult inBatch = requireFinite(loss.compute(q, keys), batch);
            queries.backward(inBatch.queryGradient());
            keys.backward(inBatch.keyGradient());
            result = inBatch;
        } else {
            result = requireFinite(loss.compute(q, (SharedNegatives) contrast), batch);
            queries.backward(result.queryGradient());
        }
        double gradientSum = queryEncoder.gradients().sumNumber().doubleValue();   // NaN or ±∞ if any entry is
        if (!Double.isFinite(gradientSum)) {
            throw new NonFiniteLossException(batch.step(), "the query encoder's gradient is " + gradientSum);
        }
        // SGD update of f_q, then the dictionary's update (enqueue k / write bank rows)
        double learningRate = optimizer.learningRate(at);
        optimizer.step(learningRate);
        dictionary.update(batch, q, contrast);
        return new StepResult(result.loss(), result.accuracy(), learningRate);
    }

    private static <R extends ContrastiveLoss.Result> R requireFinite(R result, TrainingBatch batch) {
        if (!Double.isFinite(result.loss())) {
            throw new NonFiniteLossException(batch.step(), result.loss());
        }
        return result;
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
}
