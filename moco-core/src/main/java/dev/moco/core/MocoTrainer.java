package dev.moco.core;

import dev.moco.api.Collective;
import dev.moco.api.Contrast;
import dev.moco.api.ContrastiveLoss;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.InBatchKeys;
import dev.moco.api.SharedNegatives;
import dev.moco.api.TrainingBatch;
import dev.moco.api.kit.NormalizedPass;
import dev.moco.api.kit.StepWorkspace;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.run.TrainingPosition;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training step of MoCo and its two baselines, in the order of the paper's Algorithm 1
 * (He et al. 2020). What differs between the queue, the memory bank and end-to-end lives
 * behind {@link Dictionary}: where keys come from, which negatives are used, whether the
 * keys carry gradient ({@link InBatchKeys}) or not ({@link SharedNegatives}), and what is
 * stored after the step.
 *
 * <p>In a data-parallel run each of the W workers steps its own replica on its n = N/W images
 * of the global batch, and the {@link Collective} makes it the single-process step (with
 * {@code query.bn-groups} = W, the reference's one BN per GPU): the gradients, the query BN
 * statistics, the loss and the accuracy are averaged over the workers before the update, so
 * every replica takes the same SGD step and the replicas stay equal.
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
    private final int queryGroupsPerWorker;
    private final Collective collective;

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
        this(queryEncoder, dictionary, loss, optimizer, queryNormalizationGroups, Collective.SINGLE_PROCESS);
    }

    /**
     * One worker's step of a data-parallel run; its dictionary must have been made with the same
     * collective.
     *
     * @param optimizer built over {@code queryEncoder}'s parameter and gradient views
     * @param queryNormalizationGroups BN groups of the query forward over the global batch, a
     *     multiple of W: each worker runs its own queries in {@code queryNormalizationGroups} / W
     * @param collective the run's workers; {@link Collective#SINGLE_PROCESS} for one process
     * @throws IllegalArgumentException naming {@code query.bn-groups} and W if the groups are not a multiple of W
     */
    public MocoTrainer(Encoder queryEncoder, Dictionary dictionary, ContrastiveLoss loss, Optimizer optimizer,
                       int queryNormalizationGroups, Collective collective) {
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
        this.queryGroupsPerWorker = collective.share(MocoConfig.QUERY_BN_GROUPS, queryNormalizationGroups);
        this.collective = collective;
    }

    /**
     * Runs one step on {@code batch}.
     *
     * @param batch this worker's rows of the global batch (all of it in a single process)
     * @param at the run's position before this step; fixes the learning rate
     * @throws NonFiniteLossException if the loss or the gradient is NaN or infinite (on every
     *     worker alike); the optimizer step and the dictionary update are then not applied
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

        // q = normalize(f_q(x_q)), [n, C]: this worker's queries in its own BN groups; the running
        // statistics become the mean over all workers' groups, as one process's forward leaves them
        Encoder.Pass queries = new NormalizedPass(queryEncoder.forward(batch.queryView(), Encoder.Mode.TRAINING,
                queryGroupsPerWorker));
        collective.meanInPlace(queryEncoder.buffers());
        INDArray q = queries.output();
        // k+ and the negatives: the mechanism's look-up (queue: momentum key encoder with shuffle BN)
        Contrast contrast = dictionary.contrast(batch, q);
        // InfoNCE over logits [q·k+ | q·negatives]/T, label 0; backward into f_q, and into the keys when they carry gradient
        GlobalMeans means;
        if (contrast instanceof InBatchKeys keys) {
            ContrastiveLoss.InBatchResult inBatch = loss.compute(q, keys);
            means = finiteMeanOverWorkers(inBatch, batch);
            queries.backward(inBatch.queryGradient());
            keys.backward(inBatch.keyGradient());
        } else {
            ContrastiveLoss.Result result = loss.compute(q, (SharedNegatives) contrast);
            means = finiteMeanOverWorkers(result, batch);
            queries.backward(result.queryGradient());
        }
        // the gradient of the global batch's mean loss: the mean of the workers' gradients of their own means
        collective.meanInPlace(queryEncoder.gradients());
        double gradientSum = queryEncoder.gradients().sumNumber().doubleValue();   // NaN or ±∞ if any entry is
        if (!Double.isFinite(gradientSum)) {
            throw new NonFiniteLossException(batch.step(), "the query encoder's gradient is " + gradientSum);
        }
        // SGD update of f_q, then the dictionary's update (enqueue k / write bank rows)
        double learningRate = optimizer.learningRate(at);
        optimizer.step(learningRate);
        dictionary.update(batch, q, contrast);
        return new StepResult(means.loss(), means.accuracy(), learningRate);
    }

    /** The loss and pretext accuracy of the global batch: each worker's are the means of its n = N/W queries. */
    private record GlobalMeans(double loss, double accuracy) {}

    /** @throws NonFiniteLossException on every worker if any worker's loss is not finite */
    private GlobalMeans finiteMeanOverWorkers(ContrastiveLoss.Result local, TrainingBatch batch) {
        GlobalMeans means = new GlobalMeans(local.loss(), local.accuracy());
        if (collective.workers() > 1) {
            INDArray sums = Nd4j.createFromArray(local.loss(), local.accuracy()).castTo(queryEncoder.gradients().dataType());
            collective.meanInPlace(sums);
            means = new GlobalMeans(sums.getDouble(0), sums.getDouble(1));
        }
        if (!Double.isFinite(means.loss())) {
            throw new NonFiniteLossException(batch.step(), means.loss());
        }
        return means;
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

    /** {@return the run's workers; {@link Collective#SINGLE_PROCESS} for one process} */
    public Collective collective() {
        return collective;
    }
}
