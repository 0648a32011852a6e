package dev.moco.downstream.supervised;

import dev.moco.api.Encoder;
import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.TensorRestore;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.TwoViewBatch;
import dev.moco.core.data.TwoViewBatchLoader;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.optim.CosineSchedule;
import dev.moco.downstream.FlatSgd;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The supervised pre-training baseline the paper compares MoCo against (He et al. 2020,
 * Sec. 4: "supervised pre-training"): the same encoder, its output a linear classifier over
 * the pooled features (a {@code LINEAR} head of one unit per class), trained on the labels
 * with softmax cross-entropy, the pretraining augmentation (one view per image) and
 * optimizer family.
 *
 * <pre>{@code
 * SupervisedTraining t = new SupervisedTraining(encoder, settings, augmentation);
 * t.run(trainImages, listener);
 * }</pre>
 */
public final class SupervisedTraining {

    /** Per-step and per-epoch progress. */
    public interface Listener {
        default void afterStep(int epoch, long step, long stepsPerEpoch, double loss, double accuracy, double imagesPerSecond) {
        }

        default void afterEpoch(int epoch, double meanLoss, double meanAccuracy, double imagesPerSecond, double learningRate) {
        }
    }

    private final Encoder encoder;
    private final SupervisedSettings settings;
    private final AugmentationPipeline augmentation;
    private final FlatSgd sgd;

    /**
     * @param encoder whose {@link Encoder#forward} output has one logit per class
     * @param augmentation the training-view transform (random crops, flips, ... and normalisation)
     */
    public SupervisedTraining(Encoder encoder, SupervisedSettings settings, AugmentationPipeline augmentation) {
        this.encoder = encoder;
        this.settings = settings;
        this.augmentation = augmentation;
        this.sgd = new FlatSgd(settings.momentum(), settings.weightDecay(),
                new CosineSchedule(settings.learningRate(), settings.epochs()), encoder.parameters(), encoder.gradients());
    }

    public void run(ImageDataset train, Listener listener) {
        run(train, listener, 0);
    }

    /**
     * Continues a run whose first {@code epochsDone} epochs are done and whose {@link #state()}
     * has been restored; batch order and augmentation are functions of the seed and the step,
     * so the result equals the uninterrupted run's.
     */
    public void run(ImageDataset train, Listener listener, int epochsDone) {
        int classes = encoder.outputDimension();
        for (int i = 0; i < train.size(); i++) {
            int label = train.label(i);
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("image " + i + " has label " + label + " but the classifier has "
                        + classes + " classes (0.." + (classes - 1) + ")");
            }
        }
        try (TwoViewBatchLoader loader = TwoViewBatchLoader.builder(train, augmentation).batchSize(settings.batchSize())
                .seed(settings.seed()).epochs(settings.epochs()).workers(settings.workers()).startAt(epochsDone, 0).build()) {
            long stepsPerEpoch = loader.stepsPerEpoch();
            double lossSum = 0;
            double accuracySum = 0;
            long images = 0;
            long nanos = 0;
            int iteration = Math.toIntExact(epochsDone * stepsPerEpoch);
            while (loader.hasNext()) {
                TwoViewBatch batch = loader.next();
                long start = System.nanoTime();
                StepResult result = step(batch, train, iteration++);
                nanos += System.nanoTime() - start;
                lossSum += result.loss();
                accuracySum += result.accuracy();
                images += batch.sampleIndices().length;
                long stepInEpoch = batch.stepInEpoch() + 1;
                listener.afterStep(batch.epoch() + 1, stepInEpoch, stepsPerEpoch, lossSum / stepInEpoch,
                        accuracySum / stepInEpoch, images / (nanos / 1e9));
                if (stepInEpoch == stepsPerEpoch) {
                    listener.afterEpoch(batch.epoch() + 1, lossSum / stepsPerEpoch, accuracySum / stepsPerEpoch,
                            images / (nanos / 1e9), sgd.learningRate(iteration - 1, batch.epoch()));
                    lossSum = 0;
                    accuracySum = 0;
                    images = 0;
                    nanos = 0;
                }
            }
        }
    }

    /**
     * What a resumed run needs besides its position, live: the encoder's parameters and BN
     * statistics (component {@code query-encoder}, as in a pretraining checkpoint) and the
     * optimizer's momentum buffer.
     */
    public Map<String, Map<String, INDArray>> state() {
        return Map.of(Checkpoint.QUERY_ENCODER, Map.of("parameters", encoder.parameters(), "buffers", encoder.buffers()),
                Checkpoint.OPTIMIZER, Map.of("sgd", sgd.state()));
    }

    /** Assigns a saved {@link #state()} into this run's arrays, after checking every component fits. */
    public void restore(Map<String, Map<String, INDArray>> saved) {
        Map<String, Map<String, INDArray>> live = state();
        live.forEach((component, tensors) -> TensorRestore.requireCompatible(component, tensors,
                saved.getOrDefault(component, Map.of())));
        live.forEach((component, tensors) -> TensorRestore.copy(component, tensors, saved.get(component)));
    }

    private record StepResult(double loss, double accuracy) {
    }

    /** Cross-entropy step on the query view. */
    private StepResult step(TwoViewBatch batch, ImageDataset train, int iteration) {
        encoder.zeroGradients();
        Encoder.Pass pass = encoder.forward(batch.queryView(), Encoder.Mode.TRAINING);
        INDArray logits = pass.output();
        int n = (int) logits.size(0);
        int classes = (int) logits.size(1);
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, n, classes);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = train.label((int) batch.sampleIndices()[i]);
            oneHot.putScalar(i, labels[i], 1f);
        }
        INDArray probabilities = Transforms.softmax(logits.castTo(DataType.FLOAT), true);
        double loss = -Transforms.log(probabilities.mul(oneHot).sum(1), false).meanNumber().doubleValue();
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException("supervised loss became " + loss + " at step " + iteration
                    + "; lower the learning rate");
        }
        int[] predicted = probabilities.argMax(1).toIntVector();
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }
        // d CE / d logits = softmax - onehot, averaged over the batch
        pass.backward(probabilities.subi(oneHot).divi(n).castTo(logits.dataType()));
        sgd.step(iteration, batch.epoch());
        return new StepResult(loss, (double) correct / n);
    }
}
