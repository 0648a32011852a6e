package dev.moco.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.moco.api.testing.ThreadCollective;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CollectiveTest {

    /** Worker r's rows: [2, 3] holding r·100 + 0.1·i, not representable sums if the gather added anything. */
    private static INDArray rowsOf(int rank) {
        return Nd4j.linspace(DataType.FLOAT, 0, 6, 1).muli(0.1f).addi(rank * 100 + 1e-3f).reshape(2, 3);
    }

    @Test
    void gatherRowsConcatenatesTheWorkersRowsInRankOrderExactlyOnEveryWorker() {
        List<INDArray> gathered = ThreadCollective.run(3, collective -> collective.gatherRows(rowsOf(collective.rank())));
        INDArray expected = Nd4j.concat(0, rowsOf(0), rowsOf(1), rowsOf(2));
        for (INDArray g : gathered) {
            assertThat(g.data().asFloat()).containsExactly(expected.data().asFloat());
        }
    }

    @Test
    void ownRowsOfTheGatheredRowsAreTheWorkersOwn() {
        List<Boolean> own = ThreadCollective.run(2, collective -> collective.ownRows(
                collective.gatherRows(rowsOf(collective.rank()))).equals(rowsOf(collective.rank())));
        assertThat(own).containsExactly(true, true);
    }

    @Test
    void gatherIndicesIsExactBeyondWhatAFloatHolds() {
        long[][] local = {{0, (1L << 24) + 1}, {(1L << 47) + 12_345, Integer.MAX_VALUE}};
        List<long[]> gathered = ThreadCollective.run(2, collective -> collective.gatherIndices(local[collective.rank()]));
        for (long[] g : gathered) {
            assertThat(g).containsExactly(0, (1L << 24) + 1, (1L << 47) + 12_345, Integer.MAX_VALUE);
        }
    }

    @Test
    void meanInPlaceAveragesOverTheWorkersAndTheSingleProcessLeavesValuesAlone() {
        List<INDArray> means = ThreadCollective.run(2, collective -> {
            INDArray values = Nd4j.createFromArray(1f + collective.rank(), 10f * collective.rank());
            collective.meanInPlace(values);
            return values;
        });
        assertThat(means).allSatisfy(m -> assertThat(m.data().asFloat()).containsExactly(1.5f, 5f));
        INDArray alone = Nd4j.createFromArray(3f, 4f);
        Collective.SINGLE_PROCESS.meanInPlace(alone);
        assertThat(alone.data().asFloat()).containsExactly(3f, 4f);
    }

    @Test
    void shareRefusesAQuantityTheWorkersCannotSplitNamingTheSettingAndTheWorkers() {
        List<Throwable> refusals = ThreadCollective.run(2, collective -> catchThrowable(() -> collective.share("shuffle.groups", 3)));
        assertThat(refusals).allSatisfy(r -> assertThat(r).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shuffle.groups = 3 cannot be split over the 2 workers of this data-parallel run:"
                        + " each worker takes shuffle.groups / 2, so shuffle.groups must be a multiple of 2"));
        assertThat(ThreadCollective.run(2, collective -> collective.share("batch.size", 8))).containsExactly(4, 4);
        assertThat(Collective.SINGLE_PROCESS.share("batch.size", 7)).isEqualTo(7);
    }

    @Test
    void workersThatSumArraysOfDifferentShapesAllFailInsteadOfHanging() {
        List<Throwable> failures = ThreadCollective.run(2, collective -> catchThrowable(
                () -> collective.sumInPlace(Nd4j.zeros(DataType.FLOAT, 2 + collective.rank()))));
        assertThat(failures).allSatisfy(f -> assertThat(f).hasMessage("worker 1 summed FLOAT[3] but worker 0 FLOAT[2]"));
    }

    @Test
    void aWorkerThatFailsFailsTheRunWithItsOwnExceptionWhileTheOthersWait() {
        assertThatThrownBy(() -> ThreadCollective.run(2, collective -> {
            if (collective.rank() == 1) {
                throw new IllegalArgumentException("bad data on worker 1");
            }
            collective.sumInPlace(Nd4j.zeros(DataType.FLOAT, 2));
            return null;
        })).hasMessageContaining("bad data on worker 1").hasRootCauseInstanceOf(IllegalArgumentException.class);
    }
}
