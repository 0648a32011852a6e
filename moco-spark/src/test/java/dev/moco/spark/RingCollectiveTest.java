package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Collective;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link RingAllReduce} as the {@link Collective} of a data-parallel step, on two Spark barrier tasks. */
class RingCollectiveTest {

    /** What one worker got back from each collective call. */
    record Sums(int rank, int workers, float[] rowBlock, double[] doublesInChunks, float[] gathered, long[] gatheredShape,
            float[] ownRowsOfGathered) implements Serializable {
    }

    /** Worker r's value at i: distinct per worker and position, exact in float. */
    private static float valueOf(int rank, int i) {
        return rank * 1000f + i;
    }

    private static INDArray pattern(int rank, DataType type, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] values = new float[(int) n];
        for (int i = 0; i < n; i++) {
            values[i] = valueOf(rank, i);
        }
        return Nd4j.createFromArray(values).castTo(type).reshape(shape);
    }

    @Test
    void twoBarrierTasksGetExactSumsOfFloatsAndDoublesAndEachOthersRowsInRankOrder() {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("RingCollectiveTest").set("spark.ui.enabled", "false");
        List<Sums> sums;
        try (JavaSparkContext context = new JavaSparkContext(conf)) {
            context.setLogLevel("WARN");
            sums = BarrierStage.run(context, 2, (rank, trackerArgs, rendezvous) -> {
                rendezvous.run();
                try (RingAllReduce ring = RingAllReduce.join(trackerArgs, rank)) {
                    Collective collective = ring;
                    // rows 1..3 of a [5, 4] matrix: contiguous, not the whole buffer
                    INDArray matrix = Nd4j.zeros(DataType.FLOAT, 5, 4);
                    INDArray block = matrix.get(NDArrayIndex.interval(1, 4), NDArrayIndex.all());
                    block.assign(pattern(rank, DataType.FLOAT, 3, 4));
                    collective.sumInPlace(block);
                    INDArray doubles = pattern(rank, DataType.DOUBLE, 11);
                    ring.sumInPlace(doubles, 4);        // chunks of 4, 4 and 3
                    INDArray gathered = collective.gatherRows(pattern(rank, DataType.FLOAT, 2, 3));
                    return new Sums(rank, collective.workers(), block.dup().data().asFloat(), doubles.data().asDouble(),
                            gathered.data().asFloat(), gathered.shape(), collective.ownRows(gathered).dup().data().asFloat());
                }
            });
        }

        assertThat(sums).extracting(Sums::rank).containsExactly(0, 1);
        for (Sums s : sums) {
            assertThat(s.workers()).isEqualTo(2);
            float[] rowBlock = new float[12];
            double[] doubles = new double[11];
            for (int i = 0; i < 12; i++) {
                rowBlock[i] = valueOf(0, i) + valueOf(1, i);
            }
            for (int i = 0; i < 11; i++) {
                doubles[i] = valueOf(0, i) + valueOf(1, i);
            }
            assertThat(s.rowBlock()).as("worker %d: a block of rows, summed in place", s.rank()).containsExactly(rowBlock);
            assertThat(s.doublesInChunks()).as("worker %d: doubles in chunks", s.rank()).containsExactly(doubles);
            assertThat(s.gatheredShape()).containsExactly(4, 3);
            assertThat(s.gathered()).as("worker %d: worker 0's rows, then worker 1's", s.rank())
                    .containsExactly(0, 1, 2, 3, 4, 5, 1000, 1001, 1002, 1003, 1004, 1005);
            assertThat(s.ownRowsOfGathered()).as("worker %d's own rows of the gathered array", s.rank())
                    .containsExactly(pattern(s.rank(), DataType.FLOAT, 2, 3).data().asFloat());
        }
    }

    /**
     * The replicas of a data-parallel run stay equal only if every worker gets the same bits;
     * with three workers the order of a float sum matters, so it is checked on values that are
     * not integers.
     */
    @Test
    void threeWorkersOnThreadsGetTheSameBitsOfASumWhoseOrderMatters() throws Exception {
        int workers = 3;
        List<float[]> results = new java.util.ArrayList<>();
        try (CollectiveTracker tracker = CollectiveTracker.start("127.0.0.1", workers)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workers);
            List<java.util.concurrent.Future<float[]>> futures = new java.util.ArrayList<>();
            for (int rank = 0; rank < workers; rank++) {
                int r = rank;
                futures.add(pool.submit(() -> {
                    try (RingAllReduce ring = RingAllReduce.join(tracker.workerArgs(), r)) {
                        java.util.Random random = new java.util.Random(100 + r);
                        float[] mine = new float[5_000];
                        for (int i = 0; i < mine.length; i++) {
                            mine[i] = (float) (random.nextDouble() * Math.pow(10, 3 * r));   // magnitudes 1, 1e3, 1e6
                        }
                        INDArray values = Nd4j.createFromArray(mine);
                        ring.sumInPlace(values, 1_000);
                        return values.toFloatVector();
                    }
                }));
            }
            for (java.util.concurrent.Future<float[]> f : futures) {
                results.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            pool.shutdown();
        }
        assertThat(results.get(1)).as("worker 1's sum, bit for bit").isEqualTo(results.get(0));
        assertThat(results.get(2)).as("worker 2's sum, bit for bit").isEqualTo(results.get(0));
    }

    @Test
    void anArrayTheRingCannotSumInItsOwnMemoryIsRefusedNamingWhy() {
        try (CollectiveTracker tracker = CollectiveTracker.start("127.0.0.1", 1);
                RingAllReduce ring = RingAllReduce.join(tracker.workerArgs(), 0)) {
            assertThatThrownBy(() -> ring.sumInPlace(Nd4j.zeros(DataType.INT, 3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the ring all-reduce sums FLOAT or DOUBLE arrays, got INT of shape [3]");
            INDArray column = Nd4j.zeros(DataType.FLOAT, 4, 3).getColumn(1);
            assertThatThrownBy(() -> ring.sumInPlace(column))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("the ring all-reduce sums an array in place in its own memory, so its elements"
                            + " must be contiguous; got shape [4] with strides [3]");
            assertThatThrownBy(() -> ring.sumInPlace(Nd4j.zeros(DataType.DOUBLE, 3), Integer.MAX_VALUE / 4))
                    .hasMessage("chunkElements must be in 1.." + Integer.MAX_VALUE / Double.BYTES + " for DOUBLE, got "
                            + Integer.MAX_VALUE / 4);
        }
    }
}
