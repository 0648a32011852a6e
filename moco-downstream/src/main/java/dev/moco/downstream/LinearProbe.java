package dev.moco.downstream;

import dev.moco.core.data.SplitMix64;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Linear classification on frozen features, the standard evaluation of MoCo (He et al.
 * 2020, Sec. 4.1): a softmax classifier {@code W x + b} trained by minibatch SGD with
 * momentum on the cross-entropy, reporting top-1 accuracy. Features are standardised with the
 * training set's per-dimension mean and standard deviation first (the same statistics are
 * applied to test features), which makes one learning rate work across encoders.
 *
 * <pre>{@code
 * LinearProbe.Classifier c = new LinearProbe(100, 256, 0.1, 0.9, 0.0, 42).fit(trainFeatures);
 * double top1 = c.accuracy(testFeatures);
 * }</pre>
 */
public final class LinearProbe {

    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final double momentum;
    private final double weightDecay;
    private final long seed;

    public LinearProbe(int epochs, int batchSize, double learningRate, double momentum, double weightDecay, long seed) {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch size must be positive, got " + epochs + " and " + batchSize);
        }
        if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("need learning rate > 0, momentum in [0, 1), weight decay >= 0; got "
                    + learningRate + ", " + momentum + ", " + weightDecay);
        }
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.seed = seed;
    }

    /** Trains a classifier on {@code train}; deterministic for a given seed. */
    public Classifier fit(LabelledFeatures train) {
        train.requireLabelled("the linear probe");
        INDArray x = train.features().castTo(DataType.FLOAT);
        int n = train.size();
        int d = (int) x.size(1);
        int classes = train.classCount();
        INDArray mean = x.mean(0).reshape(1, d);
        INDArray std = x.std(false, 0).reshape(1, d).addi(1e-6);
        INDArray standardised = x.subRowVector(mean).diviRowVector(std);

        INDArray w = Nd4j.zeros(DataType.FLOAT, d, classes);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 1, classes);
        INDArray vw = Nd4j.zeros(DataType.FLOAT, d, classes);
        INDArray vb = Nd4j.zeros(DataType.FLOAT, 1, classes);
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            oneHot.putScalar(i, train.labels()[i], 1f);
        }
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        SplitMix64 random = new SplitMix64(seed);
        for (int epoch = 0; epoch < epochs; epoch++) {
            random.shuffle(order);
            INDArray xs = Nd4j.pullRows(standardised, 1, order);
            INDArray ys = Nd4j.pullRows(oneHot, 1, order);
            for (int start = 0; start < n; start += batchSize) {
                int count = Math.min(batchSize, n - start);
                INDArray xb = xs.get(NDArrayIndex.interval(start, start + count), NDArrayIndex.all());
                INDArray yb = ys.get(NDArrayIndex.interval(start, start + count), NDArrayIndex.all());
                // d CE / d logits = softmax(logits) - onehot, averaged over the batch
                INDArray probabilities = Transforms.softmax(xb.mmul(w).addiRowVector(b), false);
                INDArray dLogits = probabilities.subi(yb).divi(count);
                INDArray gw = xb.transpose().mmul(dLogits);
                if (weightDecay > 0) {
                    gw.addi(w.mul(weightDecay));
                }
                INDArray gb = dLogits.sum(true, 0);
                vw.muli(momentum).addi(gw);
                vb.muli(momentum).addi(gb);
                w.subi(vw.mul(learningRate));
                b.subi(vb.mul(learningRate));
            }
        }
        return new Classifier(w, b, mean, std);
    }

    /** A trained linear classifier with the standardisation it was trained with. */
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
            INDArray x = features.castTo(DataType.FLOAT).subRowVector(mean).diviRowVector(std);
            INDArray logits = x.mmul(weights).addiRowVector(bias);
            return logits.argMax(1).toIntVector();
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
