package dev.moco.downstream;

import dev.moco.api.kit.SplitMix64;
import dev.moco.api.kit.StepWorkspace;
import dev.moco.core.optim.StepDecaySchedule;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Linear classification on frozen features, the standard evaluation of MoCo (He et al.
 * 2020, Sec. 4.1): a softmax classifier {@code x W + b} on the globally pooled backbone
 * features, trained by minibatch SGD with momentum on the cross-entropy with a step
 * schedule ({@link LinearProbeSettings}), reporting top-1 accuracy. Features are used as
 * they are unless {@link LinearProbeSettings#standardize()} asks for the training set's
 * per-dimension standardisation (then applied to test features too).
 *
 * <p>The features are extracted once, without augmentation (the reference code augments
 * each epoch with random crops and flips, which needs a backbone pass per epoch).
 *
 * <pre>{@code
 * LinearProbe.Classifier c = new LinearProbe(LinearProbeSettings.preset()).fit(trainFeatures);
 * double top1 = c.accuracy(testFeatures);
 * }</pre>
 */
public final class LinearProbe {

    private final LinearProbeSettings settings;

    public LinearProbe(LinearProbeSettings settings) {
        this.settings = settings;
    }

    /** Trains a classifier on {@code train}; deterministic for the settings' seed. */
    public Classifier fit(LabelledFeatures train) {
        train.requireLabelled("the linear probe");
        INDArray x = train.features().castTo(DataType.FLOAT);
        int n = train.size();
        int d = (int) x.size(1);
        int classes = train.classCount();
        INDArray mean = settings.standardize() ? x.mean(0).reshape(1, d) : Nd4j.zeros(DataType.FLOAT, 1, d);
        INDArray std = settings.standardize() ? x.std(false, 0).reshape(1, d).addi(1e-6) : Nd4j.ones(DataType.FLOAT, 1, d);
        INDArray inputs = x.subRowVector(mean).diviRowVector(std);

        // [W | b] as one flat vector, so one optimizer updates both
        INDArray parameters = Nd4j.zeros(DataType.FLOAT, (long) d * classes + classes);
        INDArray gradients = Nd4j.zeros(DataType.FLOAT, parameters.length());
        INDArray w = parameters.get(NDArrayIndex.interval(0, (long) d * classes)).reshape('c', d, classes);
        INDArray b = parameters.get(NDArrayIndex.interval((long) d * classes, parameters.length())).reshape('c', 1, classes);
        INDArray gw = gradients.get(NDArrayIndex.interval(0, (long) d * classes)).reshape('c', d, classes);
        INDArray gb = gradients.get(NDArrayIndex.interval((long) d * classes, gradients.length())).reshape('c', 1, classes);
        FlatSgd sgd = new FlatSgd(settings.momentum(), settings.weightDecay(),
                new StepDecaySchedule(settings.learningRate(), settings.milestones(), settings.gamma()), parameters, gradients);

        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            oneHot.putScalar(i, train.labels()[i], 1f);
        }
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        SplitMix64 random = new SplitMix64(settings.seed());
        int iteration = 0;
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            // the epoch's shuffled copies and every minibatch temporary: one workspace, reused by the next epoch
            try (MemoryWorkspace epochMemory = StepWorkspace.open(StepWorkspace.DOWNSTREAM_STEP)) {
                random.shuffle(order);
                INDArray xs = Nd4j.pullRows(inputs, 1, order);
                INDArray ys = Nd4j.pullRows(oneHot, 1, order);
                for (int start = 0; start < n; start += settings.batchSize()) {
                    int count = Math.min(settings.batchSize(), n - start);
                    INDArray xb = xs.get(NDArrayIndex.interval(start, start + count), NDArrayIndex.all());
                    INDArray yb = ys.get(NDArrayIndex.interval(start, start + count), NDArrayIndex.all());
                    // d CE / d logits = softmax(logits) - onehot, averaged over the batch
                    INDArray probabilities = Transforms.softmax(xb.mmul(w).addiRowVector(b), false);
                    INDArray dLogits = probabilities.subi(yb).divi(count);
                    gw.assign(xb.transpose().mmul(dLogits));
                    gb.assign(dLogits.sum(true, 0));
                    sgd.step(iteration++, epoch);
                }
            }
        }
        Classifier classifier = new Classifier(w.dup(), b.dup(), mean, std);
        inputs.close();         // at once, not when the collector finds them
        oneHot.close();
        parameters.close();
        gradients.close();
        return classifier;
    }

    /** A trained linear classifier with the input transform it was trained with. */
    public static final class Classifier {
        private final INDArray weights;
        private final INDArray bias;
        private final INDArray mean;
        private final INDArray std;

        Classifier(INDArray weights, INDArray bias, INDArray mean, INDArray std) {
            this.weights = weights;
            this.bias = bias;
            this.mean = mean;
            this.std = std;
        }

        /** The highest-scoring class of each row of {@code features}. */
        public int[] predict(INDArray features) {
            if (features.rank() != 2 || features.size(1) != weights.size(0)) {
                throw new IllegalArgumentException("features must be [N, " + weights.size(0) + "], got "
                        + Arrays.toString(features.shape()));
            }
            try (MemoryWorkspace predictMemory = StepWorkspace.open(StepWorkspace.EVALUATION_BATCH)) {
                INDArray x = features.castTo(DataType.FLOAT).subRowVector(mean).diviRowVector(std);
                INDArray logits = x.mmul(weights).addiRowVector(bias);
                return logits.argMax(1).toIntVector();
            }
        }

        /** Top-1 accuracy on {@code test}. */
        public double accuracy(LabelledFeatures test) {
            return test.accuracyOf(predict(test.features()), "linear-probe accuracy");
        }

        /** [D, classes]. */
        public INDArray weights() {
            return weights;
        }

        /** [1, classes]. */
        public INDArray bias() {
            return bias;
        }
    }
}
