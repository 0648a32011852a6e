package dev.moco.core.run.internal;

import dev.moco.api.Collective;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.TwoViewBatch;
import dev.moco.core.data.TwoViewBatchLoader;
import dev.moco.core.data.augment.AugmentationPipeline;
import java.util.Iterator;

/**
 * Opens the stream of training batches from a position: the batches of the remaining
 * epochs, starting with step {@code stepInEpoch} of {@code epoch}, exactly as an
 * uninterrupted run would see them.
 */
@FunctionalInterface
public interface BatchSource {

    /** An iterator that must be closed (it may own worker threads). */
    interface Batches extends Iterator<TwoViewBatch>, AutoCloseable {
        @Override
        void close();
    }

    /**
     * @param from the position of the first batch
     * @return the batches from there to the end of the last epoch
     */
    Batches open(TrainingPosition from);

    /**
     * Two augmented views of every image of {@code train}, in batches of {@code batch.size},
     * shuffled per epoch from {@code seed}, on {@code workers} threads, for {@code epochs}; of
     * each batch only this worker's rows of a data-parallel run.
     *
     * @param train the training images
     * @param augmentation the pipeline each view goes through
     * @param config the run's configuration
     * @param collective the run's workers; each loads its N/W rows of every batch
     * @return the source
     */
    static BatchSource augmented(ImageDataset train, AugmentationPipeline augmentation, MocoConfig config,
            Collective collective) {
        return from -> {
            TwoViewBatchLoader loader = TwoViewBatchLoader.builder(train, augmentation)
                    .batchSize(config.getInt(MocoConfig.BATCH_SIZE))
                    .seed(config.getLong(MocoConfig.SEED))
                    .epochs(config.getInt(MocoConfig.EPOCHS))
                    .workers(config.getInt(MocoConfig.WORKERS))
                    .startAt(from.epoch(), from.stepInEpoch(), from.globalStep())
                    .shard(collective)
                    .reuseBatchMemory()
                    .build();
            return new Batches() {
                @Override
                public boolean hasNext() {
                    return loader.hasNext();
                }

                @Override
                public TwoViewBatch next() {
                    return loader.next();
                }

                @Override
                public void close() {
                    loader.close();
                }
            };
        };
    }
}
