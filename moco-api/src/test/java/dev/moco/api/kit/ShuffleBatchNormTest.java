package dev.moco.api.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.moco.api.Collective;
import dev.moco.api.Encoder;
import dev.moco.api.testing.FiniteDifferences;
import dev.moco.api.testing.ThreadCollective;
import dev.moco.api.testing.TinyEncoder;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ShuffleBatchNormTest {

    private final INDArray images = Nd4j.rand(DataType.DOUBLE, 8, 1, 2, 3);

    @Test
    void outputIsUnpermutedBackToTheInputOrder() {
        // in inference mode BN uses running statistics, so the output per image must not depend on the shuffle
        TinyEncoder encoder = new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE);
        INDArray plain = encoder.forward(images, Encoder.Mode.INFERENCE).output();
        INDArray shuffled = ShuffleBatchNorm.forward(encoder, images, Encoder.Mode.INFERENCE, 4,
                new SplittableRandom(9)).output();
        assertThat(shuffled.sub(plain).amaxNumber().doubleValue()).isLessThan(1e-12);
    }

    @Test
    void groupsUseTheirOwnStatistics() {
        TinyEncoder encoder = new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE);
        SplittableRandom random = new SplittableRandom(5);
        int[] permutation = ShuffleBatchNorm.permutation(8, new SplittableRandom(5));
        INDArray grouped = ShuffleBatchNorm.forward(encoder.copy(), images, Encoder.Mode.TRAINING, 2, random).output();

        // the same two shuffled halves, each run as its own batch, then put back in input order
        INDArray shuffledImages = ShuffleBatchNorm.rows(images, permutation);
        INDArray expected = Nd4j.create(DataType.DOUBLE, 8, 3);
        for (int g = 0; g < 2; g++) {
            INDArray half = shuffledImages.get(NDArrayIndex.interval(4 * g, 4 * g + 4), NDArrayIndex.all(),
                    NDArrayIndex.all(), NDArrayIndex.all()).dup();
            INDArray out = encoder.copy().forward(half, Encoder.Mode.TRAINING).output();
            for (int i = 0; i < 4; i++) {
                expected.putRow(permutation[4 * g + i], out.getRow(i));
            }
        }
        INDArray wholeBatch = encoder.copy().forward(images, Encoder.Mode.TRAINING).output();
        assertThat(grouped.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(grouped.sub(wholeBatch).amaxNumber().doubleValue()).isGreaterThan(1e-3);
    }

    @Test
    void backwardPermutesTheGradientLikeTheInput() {
        TinyEncoder encoder = new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE);
        INDArray upstream = Nd4j.randn(DataType.DOUBLE, 8, 3);
        Encoder.Pass pass = ShuffleBatchNorm.forward(encoder, images, Encoder.Mode.TRAINING, 2, new SplittableRandom(3));
        pass.backward(upstream);
        INDArray analytic = encoder.gradients().dup();
        TinyEncoder probe = encoder.copy();
        INDArray numeric = FiniteDifferences.gradient(probe.parameters(), () -> ShuffleBatchNorm
                .forward(probe, images, Encoder.Mode.TRAINING, 2, new SplittableRandom(3))
                .output().mul(upstream).sumNumber().doubleValue(), 1e-6);
        assertThat(FiniteDifferences.relativeError(analytic, numeric)).isLessThan(1e-6);
    }

    @Test
    void permutationIsAPermutationAndItsInverseUndoesIt() {
        int[] p = ShuffleBatchNorm.permutation(100, new SplittableRandom(1));
        int[] inverse = ShuffleBatchNorm.inverse(p);
        assertThat(p).containsExactlyInAnyOrder(java.util.stream.IntStream.range(0, 100).toArray());
        for (int i = 0; i < 100; i++) {
            assertThat(inverse[p[i]]).isEqualTo(i);
        }
    }

    @Test
    void groupsMustDivideTheBatch() {
        TinyEncoder encoder = new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE);
        assertThatThrownBy(() -> ShuffleBatchNorm.forward(encoder, images, Encoder.Mode.TRAINING, 3,
                new SplittableRandom(1))).hasMessageContaining("3 normalisation groups do not divide the batch of 8");
    }

    /** The keys of shuffle BN across two workers and the key encoder's averaged BN statistics, per worker. */
    private record WorkerKeys(INDArray keys, INDArray buffers) {}

    private WorkerKeys acrossTwoWorkers(Collective collective, int groups) {
        TinyEncoder encoder = new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE);
        INDArray keys = ShuffleBatchNorm.forwardAcrossWorkers(encoder, collective.ownRows(images), groups,
                new SplittableRandom(5), collective);
        collective.meanInPlace(encoder.buffers());
        return new WorkerKeys(keys, encoder.buffers().dup());
    }

    @ParameterizedTest(name = "G={0}")
    @ValueSource(ints = {2, 4})
    void acrossTwoWorkersTheKeysAndStatisticsAreThoseOfOneProcessShufflingTheWholeBatch(int groups) {
        TinyEncoder alone = new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE);
        INDArray expected = ShuffleBatchNorm.forward(alone, images, Encoder.Mode.TRAINING_WITHOUT_GRADIENT, groups,
                new SplittableRandom(5)).output();
        List<WorkerKeys> workers = ThreadCollective.run(2, collective -> acrossTwoWorkers(collective, groups));

        for (WorkerKeys worker : workers) {
            assertThat(worker.keys().shape()).containsExactly(8, 3);
            assertThat(FiniteDifferences.relativeError(worker.keys(), expected)).isLessThan(1e-12);
            assertThat(FiniteDifferences.relativeError(worker.buffers(), alone.buffers())).isLessThan(1e-12);
        }
        assertThat(workers.get(1).keys().data().asDouble()).containsExactly(workers.get(0).keys().data().asDouble());
        // wired wrong, each worker's keys in their own queries' groups: other BN statistics, other keys
        TinyEncoder inOwnGroups = new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE);
        INDArray unshuffled = inOwnGroups.forward(images, Encoder.Mode.TRAINING_WITHOUT_GRADIENT, groups).output();
        assertThat(FiniteDifferences.relativeError(unshuffled, expected)).isGreaterThan(1e-3);
    }

    @Test
    void withOneWorkerItIsTheSingleProcessShuffleBitForBit() {
        TinyEncoder encoder = new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE);
        INDArray expected = ShuffleBatchNorm.forward(encoder.copy(), images, Encoder.Mode.TRAINING_WITHOUT_GRADIENT, 4,
                new SplittableRandom(5)).output();
        INDArray keys = ShuffleBatchNorm.forwardAcrossWorkers(encoder, images, 4, new SplittableRandom(5),
                Collective.SINGLE_PROCESS);
        assertThat(keys.data().asDouble()).containsExactly(expected.data().asDouble());
    }

    @Test
    void groupsThatTheWorkersCannotShareAreRefusedNamingShuffleGroupsAndTheWorkers() {
        List<Throwable> refusals = ThreadCollective.run(2, collective -> catchThrowable(() -> ShuffleBatchNorm
                .forwardAcrossWorkers(new TinyEncoder(6, 5, 3, 4, DataType.DOUBLE), collective.ownRows(images), 1,
                        new SplittableRandom(5), collective)));
        assertThat(refusals).allSatisfy(refusal -> assertThat(refusal).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shuffle.groups = 1 cannot be split over the 2 workers of this data-parallel run:"
                        + " each worker takes shuffle.groups / 2, so shuffle.groups must be a multiple of 2"));
    }
}
