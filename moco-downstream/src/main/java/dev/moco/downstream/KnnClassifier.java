package dev.moco.downstream;

import dev.moco.api.kit.StepWorkspace;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The weighted k-nearest-neighbour classifier of instance discrimination (Wu et al. 2018,
 * Sec. 3.4) that the MoCo monitors use: a query's k most cosine-similar training features
 * vote for their labels, each with weight exp(s / τ); the class with the largest total wins.
 * Defaults: k = 200, τ = 0.1. Features must be L2-normalised (cosine similarity is then a dot
 * product). Ties between equally similar neighbours go to the lower training index, ties
 * between classes to the lower class.
 *
 * <pre>{@code
 * KnnClassifier knn = new KnnClassifier(trainFeatures, 200, 0.1);
 * double accuracy = knn.accuracy(testFeatures);
 * }</pre>
 */
public final class KnnClassifier {

    public static final int DEFAULT_K = 200;
    public static final double DEFAULT_TEMPERATURE = 0.1;
    /** Queries scored per similarity matrix product: bounds memory at chunk × train size. */
    private static final int QUERY_CHUNK = 256;

    private final INDArray bank;
    private final int[] bankLabels;
    private final int classes;
    private final int k;
    private final double temperature;

    /**
     * @param train L2-normalised training features and their labels (the "memory bank")
     * @param k neighbours per query; more than the training set size means all of it
     * @param temperature τ of the vote weights exp(s / τ)
     */
    public KnnClassifier(LabelledFeatures train, int k, double temperature) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
        if (train.size() == 0) {
            throw new IllegalArgumentException("the kNN classifier needs at least one training feature");
        }
        train.requireLabelled("the kNN classifier");
        this.bank = train.features().castTo(DataType.FLOAT);
        this.bankLabels = train.labels().clone();
        this.classes = train.classCount();
        this.k = Math.min(k, train.size());
        this.temperature = temperature;
    }

    /** k = 200, τ = 0.1. */
    public KnnClassifier(LabelledFeatures train) {
        this(train, DEFAULT_K, DEFAULT_TEMPERATURE);
    }

    /** The predicted class of each row of {@code queries} ([N, D], L2-normalised). */
    public int[] predict(INDArray queries) {
        if (queries.rank() != 2 || queries.size(1) != bank.size(1)) {
            throw new IllegalArgumentException("queries must be [N, " + bank.size(1) + "], got "
                    + Arrays.toString(queries.shape()));
        }
        int n = (int) queries.size(0);
        int[] predictions = new int[n];
        int m = bankLabels.length;
        int[] heapIndex = new int[k];
        float[] heapSim = new float[k];
        double[] votes = new double[classes];
        for (int start = 0; start < n; start += QUERY_CHUNK) {
            int count = Math.min(QUERY_CHUNK, n - start);
            float[] similarities;
            try (MemoryWorkspace chunkMemory = StepWorkspace.open(StepWorkspace.EVALUATION_BATCH)) {
                INDArray chunk = queries.get(NDArrayIndex.interval(start, start + count), NDArrayIndex.all())
                        .castTo(DataType.FLOAT);
                similarities = chunk.mmul(bank.transpose()).dup('c').data().asFloat();
            }
            for (int q = 0; q < count; q++) {
                int size = topK(similarities, q * m, m, heapIndex, heapSim);
                Arrays.fill(votes, 0);
                for (int j = 0; j < size; j++) {
                    votes[bankLabels[heapIndex[j]]] += Math.exp(heapSim[j] / temperature);
                }
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (votes[c] > votes[best]) {
                        best = c;
                    }
                }
                predictions[start + q] = best;
            }
        }
        return predictions;
    }

    /** Fraction of {@code test}'s rows whose predicted class is their label. */
    public double accuracy(LabelledFeatures test) {
        return test.accuracyOf(predict(test.features()), "kNN accuracy");
    }

    /**
     * Selects the k largest of {@code values[offset .. offset + length)} into a min-heap
     * (root: the weakest kept neighbour); returns how many were kept.
     */
    private int topK(float[] values, int offset, int length, int[] heapIndex, float[] heapSim) {
        int size = 0;
        for (int i = 0; i < length; i++) {
            float v = values[offset + i];
            if (size < k) {
                heapIndex[size] = i;
                heapSim[size] = v;
                siftUp(heapIndex, heapSim, size++);
            } else if (v > heapSim[0]) {
                // strictly greater: among equal similarities the earlier (lower) index stays
                heapIndex[0] = i;
                heapSim[0] = v;
                siftDown(heapIndex, heapSim, size);
            }
        }
        return size;
    }

    /** Heap order: lower similarity first; for equal similarity the higher index is weaker. */
    private static boolean weaker(int[] idx, float[] sim, int a, int b) {
        return sim[a] < sim[b] || (sim[a] == sim[b] && idx[a] > idx[b]);
    }

    private static void siftUp(int[] idx, float[] sim, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!weaker(idx, sim, i, parent)) {
                return;
            }
            swap(idx, sim, i, parent);
            i = parent;
        }
    }

    private static void siftDown(int[] idx, float[] sim, int size) {
        int i = 0;
        while (true) {
            int left = 2 * i + 1;
            int right = left + 1;
            int weakest = i;
            if (left < size && weaker(idx, sim, left, weakest)) {
                weakest = left;
            }
            if (right < size && weaker(idx, sim, right, weakest)) {
                weakest = right;
            }
            if (weakest == i) {
                return;
            }
            swap(idx, sim, i, weakest);
            i = weakest;
        }
    }

    private static void swap(int[] idx, float[] sim, int a, int b) {
        int ti = idx[a];
        idx[a] = idx[b];
        idx[b] = ti;
        float ts = sim[a];
        sim[a] = sim[b];
        sim[b] = ts;
    }
}
