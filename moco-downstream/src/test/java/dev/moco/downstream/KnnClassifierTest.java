package dev.moco.downstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class KnnClassifierTest {

    /** Four unit vectors in 2-D; the query (1, 0) has similarities 1.0, 0.8, 0.8, 0.0 to them. */
    private static LabelledFeatures bank() {
        INDArray f = Nd4j.create(new float[][] {{1f, 0f}, {0.8f, 0.6f}, {0.8f, -0.6f}, {0f, 1f}});
        return new LabelledFeatures(f, new int[] {0, 1, 1, 0});
    }

    private static INDArray query() {
        return Nd4j.create(new float[][] {{1f, 0f}});
    }

    @Test
    void weightedVoteOutweighsTheMajorityAtLowTemperature() {
        // k = 3 takes neighbours 0 (s = 1.0, class 0), 1 and 2 (s = 0.8, class 1).
        // tau = 0.1: class 0 gets e^10 = 22026.5, class 1 gets 2 e^8 = 5961.9 -> class 0
        assertThat(new KnnClassifier(bank(), 3, 0.1).predict(query())).containsExactly(0);
        // tau = 1: class 0 gets e^1 = 2.718, class 1 gets 2 e^0.8 = 4.451 -> class 1
        assertThat(new KnnClassifier(bank(), 3, 1.0).predict(query())).containsExactly(1);
    }

    @Test
    void onlyTheKNearestVote() {
        // k = 1: the nearest alone (class 0), whatever the temperature
        assertThat(new KnnClassifier(bank(), 1, 1.0).predict(query())).containsExactly(0);
        // the query (0, 1): similarities 0, 0.6, -0.6, 1 -> k = 2 keeps neighbours 3 (class 0, e^10)
        // and 1 (class 1, e^6) -> class 0; with tau = 100 nearly equal weights still 1.105 vs 1.006
        INDArray up = Nd4j.create(new float[][] {{0f, 1f}});
        assertThat(new KnnClassifier(bank(), 2, 0.1).predict(up)).containsExactly(0);
    }

    @Test
    void kLargerThanTheBankUsesAllOfIt() {
        // all four: tau = 1: class 0: e^1 + e^0 = 3.718, class 1: 2 e^0.8 = 4.451 -> class 1
        assertThat(new KnnClassifier(bank(), 200, 1.0).predict(query())).containsExactly(1);
        // tau = 0.5: class 0: e^2 + 1 = 8.389, class 1: 2 e^1.6 = 9.906 -> class 1
        assertThat(new KnnClassifier(bank(), 200, 0.5).predict(query())).containsExactly(1);
        // tau = 0.3: class 0: e^3.333 + 1 = 29.03, class 1: 2 e^2.667 = 28.78 -> class 0
        assertThat(new KnnClassifier(bank(), 200, 0.3).predict(query())).containsExactly(0);
    }

    @Test
    void equallySimilarNeighboursAreTakenInIndexOrder() {
        // three identical bank rows: with k = 1 the first (class 2) is the neighbour
        INDArray f = Nd4j.create(new float[][] {{0f, 1f}, {0f, 1f}, {0f, 1f}});
        LabelledFeatures tied = new LabelledFeatures(f, new int[] {2, 1, 0});
        assertThat(new KnnClassifier(tied, 1, 0.1).predict(Nd4j.create(new float[][] {{0f, 1f}}))).containsExactly(2);
    }

    @Test
    void accuracyOverManyQueriesInSeveralChunks() {
        // 600 queries (3 chunks of 256): each is its own bank row's direction, two clusters
        int n = 600;
        INDArray f = Nd4j.create(DataType.FLOAT, n, 2);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            double angle = (i % 2 == 0 ? 0.0 : Math.PI / 2) + (i * 1e-4);
            f.putScalar(i, 0, Math.cos(angle));
            f.putScalar(i, 1, Math.sin(angle));
            labels[i] = i % 2;
        }
        LabelledFeatures data = new LabelledFeatures(f, labels);
        assertThat(new KnnClassifier(data, 20, 0.1).accuracy(data)).isEqualTo(1.0);
        int[] wrong = labels.clone();
        for (int i = 0; i < 150; i++) {
            wrong[i] = 1 - wrong[i];
        }
        assertThat(new KnnClassifier(data, 20, 0.1).accuracy(new LabelledFeatures(f, wrong))).isEqualTo(0.75);
    }

    @Test
    void rejectsMismatchedDimensions() {
        assertThatThrownBy(() -> new KnnClassifier(bank()).predict(Nd4j.ones(DataType.FLOAT, 1, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[N, 2]");
        assertThatThrownBy(() -> new LabelledFeatures(Nd4j.ones(3, 2), new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 feature rows but 2 labels");
    }
}
