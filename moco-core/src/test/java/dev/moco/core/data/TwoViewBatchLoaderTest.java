package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.moco.api.testing.ThreadCollective;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TwoViewBatchLoaderTest {

    private static final ImageShape SHAPE = new ImageShape(1, 8, 8);
    private static final AugmentationPipeline V2 = AugmentationPreset.V2.pipeline(SHAPE, Normalize.FASHION_MNIST);

    private final List<TwoViewBatchLoader> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(TwoViewBatchLoader::close);
    }

    private TwoViewBatchLoader.Builder builder(ImageDataset data) {
        return TwoViewBatchLoader.builder(data, V2).batchSize(4).seed(7);
    }

    private TwoViewBatchLoader open(TwoViewBatchLoader.Builder builder) {
        TwoViewBatchLoader loader = builder.build();
        opened.add(loader);
        return loader;
    }

    /** A batch reduced to plain Java values, comparable with equals. */
    private record Snapshot(long step, int epoch, long stepInEpoch, List<Long> indices, List<Float> query,
            List<Float> key) {
        static Snapshot of(TwoViewBatch b) {
            return new Snapshot(b.step(), b.epoch(), b.stepInEpoch(),
                    Arrays.stream(b.sampleIndices()).boxed().toList(), floats(b.queryView().data().asFloat()),
                    floats(b.keyView().data().asFloat()));
        }

        private static List<Float> floats(float[] values) {
            List<Float> list = new ArrayList<>(values.length);
            for (float v : values) {
                list.add(v);
            }
            return list;
        }
    }

    private static List<Snapshot> drain(TwoViewBatchLoader loader) {
        List<Snapshot> all = new ArrayList<>();
        while (loader.hasNext()) {
            all.add(Snapshot.of(loader.next()));
        }
        return all;
    }

    @Test
    void theShardsOfTwoWorkersTogetherHoldEveryBatchPixelForPixel() {
        ImageDataset data = new SyntheticDataset(18, SHAPE, 3);
        List<Snapshot> whole = drain(open(builder(data).epochs(2)));
        List<List<Snapshot>> shards = ThreadCollective.run(2, collective -> {
            try (TwoViewBatchLoader shard = builder(data).epochs(2).shard(collective).reuseBatchMemory().build()) {
                return drain(shard);
            }
        });
        assertThat(shards.get(0)).hasSameSizeAs(whole);
        for (int b = 0; b < whole.size(); b++) {
            Snapshot first = shards.get(0).get(b);
            Snapshot second = shards.get(1).get(b);
            List<Long> indices = new ArrayList<>(first.indices());
            indices.addAll(second.indices());
            List<Float> query = new ArrayList<>(first.query());
            query.addAll(second.query());
            List<Float> key = new ArrayList<>(first.key());
            key.addAll(second.key());
            assertThat(new Snapshot(first.step(), first.epoch(), first.stepInEpoch(), indices, query, key))
                    .isEqualTo(whole.get(b));
            assertThat(second.step()).isEqualTo(first.step());
        }
    }

    @Test
    void aBatchThatTheWorkersCannotShareEvenlyIsRefusedNamingBatchSizeAndTheWorkers() {
        ImageDataset data = new SyntheticDataset(18, SHAPE, 3);
        List<Throwable> refusals = ThreadCollective.run(3, collective ->
                catchThrowable(() -> builder(data).shard(collective).build().close()));
        assertThat(refusals).allSatisfy(refusal -> assertThat(refusal)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batch.size = 4 cannot be split over the 3 workers of this data-parallel run:"
                        + " each worker takes batch.size / 3, so batch.size must be a multiple of 3"));
    }

    @Test
    void reusingBatchMemoryGivesTheSameBatchesFromAFixedSetOfArrays() {
        ImageDataset data = new SyntheticDataset(18, SHAPE, 3);
        List<Snapshot> fresh = drain(open(builder(data).epochs(3).workers(2)));
        TwoViewBatchLoader reusing = open(builder(data).epochs(3).workers(2).prefetch(2).reuseBatchMemory());
        List<Snapshot> reused = new ArrayList<>();
        Set<Object> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (reusing.hasNext()) {
            TwoViewBatch b = reusing.next();
            arrays.add(b.queryView());
            reused.add(Snapshot.of(b));
        }
        assertThat(reused).isEqualTo(fresh);
        assertThat(arrays).hasSizeLessThanOrEqualTo(3);      // prefetch + the batch being served
    }

    @Test
    void everySampleOncePerEpochInFullBatches() {
        // 18 images, batches of 4: 4 steps per epoch, 2 images dropped each epoch
        ImageDataset data = new SyntheticDataset(18, SHAPE, 3);
        TwoViewBatchLoader loader = open(builder(data).epochs(3).workers(2));
        assertThat(loader.stepsPerEpoch()).isEqualTo(4);
        List<Snapshot> batches = drain(loader);
        assertThat(batches).hasSize(12);
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Long> seen = new HashSet<>();
            for (int s = 0; s < 4; s++) {
                Snapshot b = batches.get(epoch * 4 + s);
                assertThat(b.epoch()).isEqualTo(epoch);
                assertThat(b.stepInEpoch()).isEqualTo(s);
                assertThat(b.step()).isEqualTo(epoch * 4L + s);
                assertThat(b.indices()).hasSize(4);
                seen.addAll(b.indices());
            }
            assertThat(seen).hasSize(16).allMatch(i -> i >= 0 && i < 18);
            int[] order = TwoViewBatchLoader.epochOrder(18, 7, epoch);
            assertThat(seen).containsExactlyInAnyOrderElementsOf(
                    Arrays.stream(order, 0, 16).mapToObj(i -> (long) i).toList());
        }
        // epochs are shuffled differently
        assertThat(batches.get(0).indices()).isNotEqualTo(batches.get(4).indices());
        assertThatThrownBy(loader::next).isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining("all 3 epochs");
    }

    @Test
    void viewsHaveTheRightShapeAndDiffer() {
        TwoViewBatchLoader loader = open(builder(new SyntheticDataset(8, SHAPE, 2)));
        TwoViewBatch batch = loader.next();
        assertThat(batch.queryView().shape()).containsExactly(4, 1, 8, 8);
        assertThat(batch.keyView().shape()).containsExactly(4, 1, 8, 8);
        assertThat(batch.queryView().dataType()).isEqualTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        assertThat(batch.size()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            INDArrayIndex[] image = {NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()};
            assertThat(batch.queryView().get(image).equalsWithEps(batch.keyView().get(image), 1e-6)).isFalse();
        }
    }

    @Test
    void sameSeedGivesTheSameBatchesWhateverTheWorkerCount() {
        ImageDataset data = new SyntheticDataset(20, SHAPE, 2);
        List<Snapshot> one = drain(open(builder(data).epochs(2).workers(1).prefetch(1)));
        List<Snapshot> three = drain(open(builder(data).epochs(2).workers(3).prefetch(5)));
        assertThat(three).isEqualTo(one);
        List<Snapshot> otherSeed = drain(open(builder(data).seed(8).epochs(2)));
        assertThat(otherSeed).isNotEqualTo(one);
    }

    @Test
    void resumingGivesTheBatchesOfTheUninterruptedRun() {
        ImageDataset data = new SyntheticDataset(17, SHAPE, 2); // 4 steps per epoch
        List<Snapshot> full = drain(open(builder(data).epochs(3).workers(2)));
        assertThat(full).hasSize(12);
        // resume in the middle of epoch 1 (after 6 steps)
        List<Snapshot> resumed = drain(open(builder(data).epochs(3).startAt(1, 2)));
        assertThat(resumed).isEqualTo(full.subList(6, 12));
        // resume exactly at an epoch's end = start of the next
        List<Snapshot> atEnd = drain(open(builder(data).epochs(3).startAt(0, 4)));
        assertThat(atEnd).isEqualTo(full.subList(4, 12));
        // an explicit global step only renumbers
        TwoViewBatch first = open(builder(data).epochs(3).startAt(2, 1, 1000)).next();
        assertThat(first.step()).isEqualTo(1000);
        assertThat(Snapshot.of(first).indices()).isEqualTo(full.get(9).indices());
        assertThatThrownBy(() -> builder(data).startAt(0, 5).build())
                .hasMessageContaining("an epoch has 4 steps");
    }

    @Test
    void workerExceptionsReachTheConsumerWithTheirCause() {
        ImageDataset data = new SyntheticDataset(12, SHAPE, 2, 5);
        TwoViewBatchLoader loader = open(builder(data).epochs(1).workers(2));
        int[] order = TwoViewBatchLoader.epochOrder(12, 7, 0);
        int failingStep = 0;
        for (int i = 0; i < order.length; i++) {
            if (order[i] == 5) {
                failingStep = i / 4;
            }
        }
        for (int s = 0; s < failingStep; s++) {
            loader.next();
        }
        assertThatThrownBy(loader::next)
                .isInstanceOf(DataLoadingException.class)
                .hasMessageContaining("epoch 0, step " + failingStep)
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("synthetic failure reading image 5");
        assertThat(loader.hasNext()).isFalse();
        assertThat(liveWorkerThreads()).isEmpty();
    }

    @Test
    void closeLeavesNoThreads() throws InterruptedException {
        ImageDataset data = new SyntheticDataset(64, SHAPE, 2);
        TwoViewBatchLoader loader = open(builder(data).epochs(50).workers(3).prefetch(6));
        loader.next();
        assertThat(liveWorkerThreads()).isNotEmpty();
        loader.close();
        loader.close(); // idempotent
        assertThat(liveWorkerThreads()).isEmpty();
        assertThat(loader.hasNext()).isFalse();
        assertThatThrownBy(loader::next).isInstanceOf(NoSuchElementException.class).hasMessageContaining("closed");
        // a loader used to the end closes cleanly too
        try (TwoViewBatchLoader small = builder(data).epochs(1).build()) {
            drain(small);
        }
        assertThat(liveWorkerThreads()).isEmpty();
    }

    @Test
    void rejectsBadConfigurations() {
        ImageDataset data = new SyntheticDataset(3, SHAPE, 2);
        assertThatThrownBy(() -> builder(data).build())
                .hasMessageContaining("batch size 4 exceeds the 3 images");
        AugmentationPipeline rgb = AugmentationPreset.V2.pipeline(new ImageShape(3, 8, 8), Normalize.IMAGENET);
        assertThatThrownBy(() -> TwoViewBatchLoader.builder(data, rgb).batchSize(1).build())
                .hasMessageContaining("1x8x8 but the augmentation pipeline expects 3x8x8");
        assertThatThrownBy(() -> TwoViewBatchLoader.builder(data, V2).build())
                .hasMessageContaining("batchSize");
        assertThatThrownBy(() -> builder(data).workers(0)).hasMessageContaining("workers");
    }

    private static List<Thread> liveWorkerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(TwoViewBatchLoader.THREAD_NAME_PREFIX) && t.isAlive())
                .toList();
    }
}
