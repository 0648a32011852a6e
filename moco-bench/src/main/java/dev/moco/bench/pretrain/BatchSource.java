package dev.moco.bench.pretrain;

import dev.moco.core.checkpoint.TrainingPosition;
import dev.moco.core.data.TwoViewBatch;
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

    Batches open(TrainingPosition from);
}
