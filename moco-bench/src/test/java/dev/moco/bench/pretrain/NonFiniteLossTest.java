package dev.moco.bench.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageShape;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A NaN loss stops the run with a message naming the step; the last good checkpoint stays. */
class NonFiniteLossTest {

    @TempDir
    Path dir;

    /** Images that turn to NaN from the third epoch on (by the loader's reads: two views per image and epoch). */
    static final class PoisonedImages implements ImageDataset {
        private final SyntheticImages clean = new SyntheticImages(16, 8, 4, 3);
        private final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        private final int cleanReads;

        PoisonedImages(int cleanReads) {
            this.cleanReads = cleanReads;
        }

        @Override
        public int size() {
            return clean.size();
        }

        @Override
        public ImageShape shape() {
            return clean.shape();
        }

        @Override
        public int label(int index) {
            return clean.label(index);
        }

        @Override
        public void readImage(int index, float[] destination, int offset) {
            clean.readImage(index, destination, offset);
            if (reads.incrementAndGet() > cleanReads) {
                Arrays.fill(destination, offset, offset + 64, Float.NaN);
            }
        }
    }

    @Test
    void nanLossStopsTheRunNamingTheStepAndKeepsTheLastCheckpoint() {
        // 16 images, batch 8: 2 steps per epoch; the first 2 epochs read at most 64 images, whatever the prefetching
        PoisonedImages data = new PoisonedImages(64);
        PretrainSession session = new PretrainSession(new PretrainSession.Options(
                ResumeTest.config("epochs=6", "workers=1"), data, "poisoned", 0, 100, 5, 0.1, dir, null, 0, 2, false,
                "test"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);

        assertThatThrownBy(() -> session.run(print, print))
                .isInstanceOf(TrainingStoppedException.class)
                .hasMessageMatching("(?s)training stopped: the loss or its gradient became non-finite at step \\d+ \\(epoch \\d, step \\d of 2\\);"
                        + " its update was not applied\\. The last good checkpoint is .*checkpoint-epoch-00\\d\\.zip.*");

        Checkpoint last = CheckpointDirectory.load(dir);
        assertThat(last.position().epoch()).isBetween(2, 5);
        assertThat(last.tensor(Checkpoint.QUERY_ENCODER, "parameters").isInfinite().any()).isFalse();
        assertThat(last.tensor(Checkpoint.QUERY_ENCODER, "parameters").isNaN().any()).isFalse();
    }
}
