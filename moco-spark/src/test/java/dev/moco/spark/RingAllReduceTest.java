package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RingAllReduceTest {

    private static final int WORKERS = 2;
    private static final int ELEMENTS = 1_003;

    /** Worker r holds r·1000 + i: distinct per worker and position, exact in float. */
    private static float valueOf(int rank, int i) {
        return rank * 1000f + i;
    }

    @Test
    void everyWorkerGetsTheExactSumInItsOwnNd4jMemoryWholeAndInChunks() throws Exception {
        List<float[]> whole = new ArrayList<>();
        List<float[]> chunked = new ArrayList<>();
        List<float[]> publicApi = new ArrayList<>();
        try (CollectiveTracker tracker = CollectiveTracker.start("127.0.0.1", WORKERS)) {
            Map<String, Object> args = tracker.workerArgs();
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
            List<Future<float[][]>> results = new ArrayList<>();
            for (int rank = 0; rank < WORKERS; rank++) {
                int r = rank;
                results.add(pool.submit(() -> {
                    try (RingAllReduce ring = RingAllReduce.join(args, r)) {
                        assertThat(ring.rank()).isEqualTo(r);
                        assertThat(ring.workers()).isEqualTo(WORKERS);
                        float[] mine = new float[ELEMENTS];
                        for (int i = 0; i < ELEMENTS; i++) {
                            mine[i] = valueOf(r, i);
                        }
                        // a view into a larger buffer, as a gradient slice would be
                        INDArray backing = Nd4j.create(DataType.FLOAT, ELEMENTS + 7);
                        INDArray view = backing.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 5 + ELEMENTS));
                        view.assign(Nd4j.createFromArray(mine));
                        ring.sumInPlace(view);
                        float[] a = view.toFloatVector();
                        float[] around = {backing.getFloat(4), backing.getFloat(5 + ELEMENTS)};
                        view.assign(Nd4j.createFromArray(mine));
                        ring.sumInPlace(view, 100);
                        float[] b = view.toFloatVector();
                        float[] c = ring.sumThroughPublicApi(mine);
                        return new float[][] {a, b, c, around};
                    }
                }));
            }
            for (Future<float[][]> f : results) {
                float[][] r = f.get(60, TimeUnit.SECONDS);
                whole.add(r[0]);
                chunked.add(r[1]);
                publicApi.add(r[2]);
                assertThat(r[3]).as("the floats either side of the view are untouched").containsExactly(0f, 0f);
            }
            pool.shutdown();
        }
        float[] expected = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            for (int rank = 0; rank < WORKERS; rank++) {
                expected[i] += valueOf(rank, i);
            }
        }
        for (int rank = 0; rank < WORKERS; rank++) {
            assertThat(whole.get(rank)).as("worker %d, one call", rank).containsExactly(expected);
            assertThat(chunked.get(rank)).as("worker %d, chunks of 100", rank).containsExactly(expected);
            assertThat(publicApi.get(rank)).as("worker %d, public API", rank).containsExactly(expected);
        }
    }

    @Test
    void aTrackerNeedsAtLeastOneWorker() {
        assertThatThrownBy(() -> CollectiveTracker.start("127.0.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workers must be at least 1, got 0");
    }
}
