package dev.moco.dict.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Contrast;
import dev.moco.api.Encoder;
import dev.moco.api.SharedNegatives;
import dev.moco.core.Batch;
import dev.moco.api.kit.FeatureNormalization;
import dev.moco.core.ForwardingEncoder;
import dev.moco.api.kit.ShuffleBatchNorm;
import dev.moco.api.kit.StepRandom;
import dev.moco.api.testing.TinyEncoder;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class QueueDictionaryTest {

    private static final int C = 3;

    private static TinyEncoder encoder(long seed) {
        return new TinyEncoder(4, 5, C, seed, DataType.DOUBLE);
    }

    private static INDArray keysOfStep(int step, int n) {
        // distinct, recognisable keys: row r of step s holds (s, r, 1)
        INDArray keys = Nd4j.create(DataType.DOUBLE, n, C);
        for (int r = 0; r < n; r++) {
            keys.putRow(r, Nd4j.createFromArray((double) step, r, 1.0));
        }
        return keys;
    }

    @ParameterizedTest(name = "K={0}, N={1}")
    @CsvSource({"12, 4", "10, 4", "7, 3", "5, 8", "1, 2"})
    void queueHoldsTheLastKKeysInOrder(int k, int n) {
        QueueDictionary queue = new QueueDictionary(encoder(1), k, 0.999, 1, 0);
        int steps = 9;
        INDArray all = Nd4j.create(DataType.DOUBLE, (long) steps * n, C);
        for (int s = 0; s < steps; s++) {
            INDArray keys = keysOfStep(s, n);
            queue.enqueue(keys);
            all.get(NDArrayIndex.interval((long) s * n, (long) (s + 1) * n), NDArrayIndex.all()).assign(keys);
        }
        INDArray lastK = all.get(NDArrayIndex.interval(all.size(0) - k, all.size(0)), NDArrayIndex.all());
        assertThat(queue.keysOldestFirst()).isEqualTo(lastK);
    }

    @Test
    void currentBatchKeysAreNotAmongTheirOwnNegatives() {
        TinyEncoder query = encoder(2);
        QueueDictionary queue = new QueueDictionary(query, 16, 0.99, 2, 5);
        for (int step = 0; step < 3; step++) {
            INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 2, 2);
            Batch batch = new Batch(x, x.add(0.1), new long[] {0, 1, 2, 3}, step);
            // real queries, different from the keys: enqueuing them instead of the keys must fail this test
            INDArray queries = FeatureNormalization.normalize(query.forward(x, Encoder.Mode.TRAINING).output());
            SharedNegatives contrast = queue.contrast(batch, queries);
            assertThat(queries.equalsWithEps(contrast.positives(), 1e-6)).isFalse();
            INDArray negativesUsed = contrast.negatives().dup();
            for (int i = 0; i < 4; i++) {
                INDArray key = contrast.positives().getRow(i);
                for (int j = 0; j < negativesUsed.size(0); j++) {
                    assertThat(negativesUsed.getRow(j).equalsWithEps(key, 1e-12)).isFalse();
                }
            }
            queue.update(batch, queries, contrast);
            // ... but after the update they are the newest keys in the queue
            INDArray newest = queue.keysOldestFirst().get(NDArrayIndex.interval(12, 16), NDArrayIndex.all());
            assertThat(newest.equalsWithEps(contrast.positives(), 1e-12)).isTrue();
        }
    }

    @Test
    void withoutShuffleEachKeyIsNormalisedInItsQuerysGroupAndWithShuffleInAPermutedOne() {
        int n = 8;
        int groups = 2;
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 1, 2, 2);
        Batch batch = new Batch(x.add(0.5), x, new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 3);
        QueueDictionary unshuffled = new QueueDictionary(encoder(6), 16, 0.9, groups, false, 0);
        QueueDictionary shuffled = new QueueDictionary(encoder(6), 16, 0.9, groups, true, 0);
        // the key encoders are momentum-updated from an identical query encoder: still equal to it
        TinyEncoder sameGroups = encoder(6);
        INDArray expected = dev.moco.api.kit.FeatureNormalization.normalize(
                sameGroups.forward(x, dev.moco.api.Encoder.Mode.TRAINING_WITHOUT_GRADIENT, groups).output());
        INDArray plain = unshuffled.contrast(batch, Nd4j.zeros(DataType.DOUBLE, n, C)).positives();
        INDArray permuted = shuffled.contrast(batch, Nd4j.zeros(DataType.DOUBLE, n, C)).positives();
        assertThat(plain.equalsWithEps(expected, 1e-12)).isTrue();
        assertThat(permuted.equalsWithEps(expected, 1e-6)).isFalse();
    }

    @Test
    void positivesAreTheKeyEncodersShuffledForwardWithTheConfiguredGroups() {
        // TinyEncoder's BN normalises per group, so the G = 4 forward differs from the G = 1 forward
        int groups = 4;
        TinyEncoder query = encoder(6);
        QueueDictionary queue = new QueueDictionary(query, 16, 0.0, groups, 9);   // m = 0: f_k becomes a copy of f_q
        INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 1, 2, 2);
        Batch batch = new Batch(x, x.add(0.2), new long[] {0, 1, 2, 3, 4, 5, 6, 7}, 3);

        Contrast contrast = queue.contrast(batch, null);

        TinyEncoder reference = query.copy();
        INDArray shuffled = FeatureNormalization.normalize(ShuffleBatchNorm.forward(reference, batch.keyView(),
                Encoder.Mode.TRAINING_WITHOUT_GRADIENT, groups, StepRandom.of(9, 3)).output());
        INDArray oneGroup = FeatureNormalization.normalize(ShuffleBatchNorm.forward(query.copy(), batch.keyView(),
                Encoder.Mode.TRAINING_WITHOUT_GRADIENT, 1, StepRandom.of(9, 3)).output());
        assertThat(contrast.positives().equalsWithEps(shuffled, 1e-12)).as("G-group shuffled forward").isTrue();
        assertThat(contrast.positives().equalsWithEps(oneGroup, 1e-6)).as("differs from G = 1").isFalse();
    }

    @Test
    void theInitialQueueIsAPureFunctionOfTheSeed() {
        INDArray first = new QueueDictionary(encoder(1), 32, 0.9, 1, 42).keysOldestFirst();
        INDArray again = new QueueDictionary(encoder(1), 32, 0.9, 1, 42).keysOldestFirst();
        INDArray otherSeed = new QueueDictionary(encoder(1), 32, 0.9, 1, 43).keysOldestFirst();
        assertThat(again).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
        assertThat(first.norm2(1).sub(1).amaxNumber().doubleValue()).isLessThan(1e-12);
    }

    @Test
    void keyEncoderLagsTheQueryEncoder() {
        TinyEncoder query = encoder(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 2, 2);
        Batch batch = new Batch(x, x, new long[] {0, 1, 2, 3}, 0);

        QueueDictionary copying = new QueueDictionary(query, 8, 0.0, 1, 0);
        QueueDictionary frozen = new QueueDictionary(query, 8, 1.0, 1, 0);
        QueueDictionary lagging = new QueueDictionary(query, 8, 0.9, 1, 0);
        INDArray initial = query.parameters().dup();
        query.parameters().addi(1.0);       // as if the optimizer had moved f_q

        copying.contrast(batch, null);
        frozen.contrast(batch, null);
        lagging.contrast(batch, null);
        assertThat(copying.keyEncoder().parameters()).isEqualTo(query.parameters());
        assertThat(frozen.keyEncoder().parameters()).isEqualTo(initial);
        INDArray expected = initial.mul(0.9).add(query.parameters().mul(0.1));
        assertThat(lagging.keyEncoder().parameters().sub(expected).amaxNumber().doubleValue()).isLessThan(1e-12);
    }

    @Test
    void keysAreUnitVectorsFromTheKeyEncoderWithoutGradient() {
        QueueDictionary queue = new QueueDictionary(encoder(4), 8, 0.999, 2, 0);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 2, 2);
        SharedNegatives c = queue.contrast(new Batch(x, x, new long[] {0, 1, 2, 3}, 0), null);
        assertThat(c.positives().norm2(1).sub(1).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(c.negatives().norm2(1).sub(1).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(queue.negativesPerQuery()).isEqualTo(8);
    }

    @Test
    void stateRestoresQueuePointerAndKeyEncoder() {
        QueueDictionary a = new QueueDictionary(encoder(5), 7, 0.5, 1, 0);
        a.enqueue(keysOfStep(1, 3));
        a.keyEncoder().parameters().addi(2);
        QueueDictionary b = new QueueDictionary(encoder(5), 7, 0.5, 1, 0);
        Map<String, INDArray> saved = Map.copyOf(a.state());
        b.restore(saved);
        assertThat(b.keysOldestFirst()).isEqualTo(a.keysOldestFirst());
        assertThat(b.keyEncoder().parameters()).isEqualTo(a.keyEncoder().parameters());
        b.enqueue(keysOfStep(2, 3));
        a.enqueue(keysOfStep(2, 3));
        assertThat(b.keysOldestFirst()).isEqualTo(a.keysOldestFirst());
    }

    /** An encoder without buffers, as a DL4J graph adapter is (its BN statistics live in its parameters). */
    private static final class WithoutBuffers extends ForwardingEncoder {
        WithoutBuffers(Encoder inner) {
            super(inner);
        }

        @Override
        public INDArray buffers() {
            return Nd4j.empty(DataType.DOUBLE);
        }

        @Override
        public Encoder copy() {
            return new WithoutBuffers(delegate().copy());
        }
    }

    @Test
    void stateOfAKeyEncoderWithoutBuffersRestores() {
        QueueDictionary a = new QueueDictionary(new WithoutBuffers(encoder(5)), 7, 0.5, 1, 0);
        a.keyEncoder().parameters().addi(2);
        QueueDictionary b = new QueueDictionary(new WithoutBuffers(encoder(5)), 7, 0.5, 1, 0);
        b.restore(Map.copyOf(a.state()));
        assertThat(b.keyEncoder().parameters()).isEqualTo(a.keyEncoder().parameters());
    }

    @Test
    void restoringAQueueOfAnotherSizeNamesTheEntry() {
        QueueDictionary small = new QueueDictionary(encoder(5), 4, 0.5, 1, 0);
        QueueDictionary large = new QueueDictionary(encoder(5), 8, 0.5, 1, 0);
        assertThatThrownBy(() -> large.restore(small.state())).hasMessageContaining("'queue'")
                .hasMessageContaining("different K");
    }

    @Test
    void rejectsImpossibleSettingsWithTheKeyName() {
        assertThatThrownBy(() -> new QueueDictionary(encoder(1), 0, 0.9, 1, 0)).hasMessageContaining("queue.size");
        assertThatThrownBy(() -> new QueueDictionary(encoder(1), 4, 1.1, 1, 0)).hasMessageContaining("queue.momentum");
    }

    @Test
    void closingTheDictionaryFreesItsKeyEncoderAndLeavesTheQueryEncoder() {
        java.util.List<Encoder> closed = new java.util.ArrayList<>();
        Encoder query = new ClosingRecorder(encoder(3), closed);
        QueueDictionary queue = new QueueDictionary(query, 16, 0.99, 1, 0);
        queue.close();
        assertThat(closed).containsExactly(queue.keyEncoder());
    }

    /** An encoder that records which copies of it were closed. */
    private static final class ClosingRecorder extends ForwardingEncoder {
        private final java.util.List<Encoder> closed;

        ClosingRecorder(Encoder delegate, java.util.List<Encoder> closed) {
            super(delegate);
            this.closed = closed;
        }

        @Override
        public Encoder copy() {
            return new ClosingRecorder(delegate().copy(), closed);
        }

        @Override
        public void close() {
            closed.add(this);
        }
    }
}
