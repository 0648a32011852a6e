package dev.moco.downstream.transfer;

import dev.moco.api.Encoder;
import dev.moco.api.FeatureMapEncoder;
import dev.moco.api.kit.SplitMix64;
import dev.moco.api.kit.StepWorkspace;
import dev.moco.core.checkpoint.TensorRestore;
import dev.moco.core.data.augment.Normalize;
import dev.moco.downstream.FlatSgd;
import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.encoders.DenseHead;
import dev.moco.encoders.EncoderImplementation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Transfer by fine-tuning (He et al. 2020, Sec. 4.2): a {@link TransferTask}'s head on the
 * stage feature maps of a pretrained (or random) backbone, the whole network trained on the
 * training canvases with BN in training mode, the test metric after every epoch.
 *
 * <pre>{@code
 * FineTuning run = new FineTuning(encoder, new SegmentationTask(), settings, normalize);
 * List<FineTuning.EpochResult> epochs = run.run(canvases, listener);
 * }</pre>
 *
 * One step, as the loop below reads:
 * <pre>
 * maps = f(x)                       backbone stage outputs, BN with batch statistics
 * y = head(maps); L, dL/dy = loss(y, targets)
 * dmaps = head.backward(dL/dy); f.backward(dmaps)
 * SGD on the backbone and on the head
 * </pre>
 */
public final class FineTuning implements AutoCloseable {

    /** Per-step progress and per-epoch results, for progress bars and metrics files. */
    public interface Listener {
        default void afterStep(int epoch, int step, int stepsPerEpoch, double loss, double imagesPerSecond) {
        }

        default void afterEpoch(EpochResult result) {
        }
    }

    /**
     * One epoch's outcome.
     *
     * @param epoch epochs completed (from 1)
     * @param meanLoss mean training loss over the epoch
     * @param imagesPerSecond training throughput of the epoch's steps (forward, backward, update)
     * @param learningRate the epoch's learning rate
     * @param metrics the test metrics after the epoch, headline first
     */
    public record EpochResult(int epoch, double meanLoss, double imagesPerSecond, double learningRate,
            Map<String, Double> metrics) {
    }

    private final FeatureMapEncoder encoder;
    private final TransferTask task;
    private final FineTuneSettings settings;
    private final Normalize normalize;
    private final DenseHead head;
    private final FlatSgd encoderOptimizer;
    private final FlatSgd headOptimizer;

    /**
     * Fine-tuning with the head on the fast path where oneDNN loads (else the reference head).
     *
     * @param normalize the input normalisation (the pretraining run's, where there was one)
     * @throws IllegalArgumentException if the encoder does not take one-channel images
     */
    public FineTuning(FeatureMapEncoder encoder, TransferTask task, FineTuneSettings settings, Normalize normalize) {
        this(encoder, task, settings, normalize, EncoderImplementation.chooseForHead("auto"));
    }

    /**
     * @param normalize the input normalisation (the pretraining run's, where there was one)
     * @param headImplementation the code that runs the head: both start from the same values
     *     for the same seed and share their parameter layout, so either resumes the other's state
     * @throws IllegalArgumentException if the encoder does not take one-channel images
     */
    public FineTuning(FeatureMapEncoder encoder, TransferTask task, FineTuneSettings settings, Normalize normalize,
            EncoderImplementation headImplementation) {
        if (!normalize.fits(1)) {
            throw new IllegalArgumentException("the canvases are grey (1 channel) but the normalisation " + normalize
                    + " is for another channel count");
        }
        this.encoder = encoder;
        this.task = task;
        this.settings = settings;
        this.normalize = normalize;
        this.head = headImplementation.createHead(
                task.headTopology(encoder.stageChannels(), encoder.stageStrides(), settings.headWidth()), settings.seed());
        ISchedule schedule = settings.learningRates();
        this.encoderOptimizer = new FlatSgd(settings.momentum(), settings.weightDecay(), schedule, encoder.parameters(),
                encoder.gradients());
        this.headOptimizer = new FlatSgd(settings.momentum(), settings.weightDecay(), schedule, head.parameters(),
                head.gradients());
    }

    public DenseHead head() {
        return head;
    }

    /** Frees the head's native memory (the encoder belongs to the caller). */
    @Override
    public void close() {
        head.close();
    }

    /** Fine-tunes on {@code set.train()} for the configured epochs, evaluating on {@code set.test()} after each. */
    public List<EpochResult> run(CanvasSet set, Listener listener) {
        return run(set, listener, 0);
    }

    /**
     * Continues a run whose first {@code epochsDone} epochs are done and whose {@link #state()}
     * has been restored: the batch order of an epoch and the learning rate of a step depend only
     * on the seed and the position, so the result equals the uninterrupted run's.
     */
    public List<EpochResult> run(CanvasSet set, Listener listener, int epochsDone) {
        requireFits(set);
        if (epochsDone < 0 || epochsDone > settings.epochs()) {
            throw new IllegalArgumentException("epochs done must be in 0.." + settings.epochs() + ", got " + epochsDone);
        }
        List<EpochResult> results = new ArrayList<>();
        List<Canvas> train = set.train();
        int stepsPerEpoch = stepsPerEpoch(train.size());
        int iteration = epochsDone * stepsPerEpoch;
        for (int epoch = epochsDone; epoch < settings.epochs(); epoch++) {
            int[] order = new int[train.size()];
            Arrays.setAll(order, i -> i);
            new SplitMix64(SplitMix64.derive(settings.seed(), epoch)).shuffle(order);
            double lossSum = 0;
            long images = 0;
            long nanos = 0;
            for (int step = 0; step < stepsPerEpoch; step++) {
                int from = step * settings.batchSize();
                List<Canvas> batch = new ArrayList<>();
                for (int i = from; i < Math.min(train.size(), from + settings.batchSize()); i++) {
                    batch.add(train.get(order[i]));
                }
                long start = System.nanoTime();
                double loss = step(batch, iteration++, epoch);
                nanos += System.nanoTime() - start;
                lossSum += loss;
                images += batch.size();
                listener.afterStep(epoch + 1, step + 1, stepsPerEpoch, lossSum / (step + 1), images / (nanos / 1e9));
            }
            EpochResult result = new EpochResult(epoch + 1, lossSum / stepsPerEpoch, images / (nanos / 1e9),
                    encoderOptimizer.learningRate(iteration - 1, epoch), evaluate(set.test()));
            results.add(result);
            listener.afterEpoch(result);
        }
        return results;
    }

    /** Steps in one epoch over {@code trainingCanvases} (the last batch may be smaller). */
    public int stepsPerEpoch(int trainingCanvases) {
        return (trainingCanvases + settings.batchSize() - 1) / settings.batchSize();
    }

    /**
     * Everything a resumed run needs besides its position, by component and name, live (a
     * checkpoint saves these arrays; {@link #restore} assigns into them): the backbone's and the
     * head's parameters and BN statistics, and both optimizers' momentum buffers.
     */
    public Map<String, Map<String, INDArray>> state() {
        return Map.of(
                "encoder", Map.of("parameters", encoder.parameters(), "buffers", encoder.buffers()),
                "head", Map.of("parameters", head.parameters(), "buffers", head.buffers()),
                "optimizer", Map.of("encoder", encoderOptimizer.state(), "head", headOptimizer.state()));
    }

    /**
     * Assigns a saved {@link #state()} into this run's arrays, after checking every component fits.
     *
     * @throws dev.moco.core.checkpoint.CheckpointException naming the first tensor that does not fit
     */
    public void restore(Map<String, Map<String, INDArray>> saved) {
        Map<String, Map<String, INDArray>> live = state();
        live.forEach((component, tensors) -> TensorRestore.requireCompatible(component, tensors,
                saved.getOrDefault(component, Map.of())));
        live.forEach((component, tensors) -> TensorRestore.copy(component, tensors, saved.get(component)));
    }

    /**
     * One training step on {@code batch} (what {@link #run} repeats; public for benchmarks).
     *
     * @param batch the canvases of the step
     * @param iteration steps taken before this one
     * @param epoch the epoch (from 0), for the learning-rate schedule
     * @return the step's loss
     * @throws IllegalStateException if the loss is not finite
     */
    public double step(List<Canvas> batch, int iteration, int epoch) {
        // every array the step creates lives in the step's workspace, reused by the next step
        try (MemoryWorkspace stepMemory = StepWorkspace.open(StepWorkspace.DOWNSTREAM_STEP)) {
            return stepInWorkspace(batch, iteration, epoch);
        }
    }

    private double stepInWorkspace(List<Canvas> batch, int iteration, int epoch) {
        encoder.zeroGradients();
        head.zeroGradients();
        FeatureMapEncoder.FeatureMapPass backbone = encoder.forwardFeatureMaps(images(batch), Encoder.Mode.TRAINING, 1);
        DenseHead.Pass prediction = head.forward(backbone.featureMaps(), Encoder.Mode.TRAINING, 1);
        LossResult loss = task.loss(head, prediction.output(), batch);
        if (!Double.isFinite(loss.value())) {
            throw new IllegalStateException("fine-tuning loss became " + loss.value() + " at epoch " + (epoch + 1)
                    + "; lower the learning rate");
        }
        backbone.backward(prediction.backward(loss.gradient()), null);
        encoderOptimizer.step(iteration, epoch);
        headOptimizer.step(iteration, epoch);
        return loss.value();
    }

    /** The test metrics of the network as it is (backbone and head in inference mode). */
    public Map<String, Double> evaluate(List<Canvas> test) {
        TransferTask.Evaluation evaluation = task.evaluation(head);
        for (int from = 0; from < test.size(); from += settings.batchSize()) {
            List<Canvas> batch = test.subList(from, Math.min(test.size(), from + settings.batchSize()));
            try (MemoryWorkspace batchMemory = StepWorkspace.open(StepWorkspace.EVALUATION_BATCH)) {
                FeatureMapEncoder.FeatureMapPass backbone = encoder.forwardFeatureMaps(images(batch), Encoder.Mode.INFERENCE, 1);
                evaluation.add(head.forward(backbone.featureMaps(), Encoder.Mode.INFERENCE, 1).output(), batch);
            }
        }
        return evaluation.metrics();
    }

    /** The normalised grey canvases, [B, 1, S, S]. */
    INDArray images(List<Canvas> batch) {
        int size = batch.get(0).size();
        int plane = size * size;
        float mean = normalize.mean()[0];
        float std = normalize.std()[0];
        float[] data = new float[batch.size() * plane];
        for (int i = 0; i < batch.size(); i++) {
            Canvas c = batch.get(i);
            for (int p = 0; p < plane; p++) {
                data[i * plane + p] = (c.intensity(p) - mean) / std;
            }
        }
        return Nd4j.create(data, new long[] {batch.size(), 1, size, size}, DataType.FLOAT);
    }

    private void requireFits(CanvasSet set) {
        if (set.train().isEmpty() || set.test().isEmpty()) {
            throw new IllegalArgumentException("fine-tuning needs training and test canvases, got " + set.train().size()
                    + " and " + set.test().size());
        }
        int size = set.spec().size();
        int coarsest = Arrays.stream(encoder.stageStrides()).max().orElse(1);
        if (size % coarsest != 0) {
            throw new IllegalArgumentException("canvases of " + size + "x" + size + " do not fit the backbone: its coarsest"
                    + " stage has stride " + coarsest + ", which must divide the canvas size");
        }
    }
}
