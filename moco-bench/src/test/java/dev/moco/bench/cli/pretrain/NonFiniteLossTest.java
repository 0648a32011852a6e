package dev.moco.bench.cli.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.FiniteTensors;
import dev.moco.core.checkpoint.StoredCheckpoint;
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
        MonitoredPretraining session = new MonitoredPretraining(new MonitoredPretraining.Options(
                ResumeTest.config("epochs=6", "workers=1"), data, "poisoned", 0, 100, 5, 0.1, dir, false, null, 0, 2, false,
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

    @Test
    void aStateThatOverflowsIsNeverCheckpointedAndTheNamedCheckpointIsFinite() {
        // lr 1e6: BN statistics and weights overflow while the loss is still finite
        SyntheticImages data = new SyntheticImages(16, 8, 4, 3);
        MonitoredPretraining session = new MonitoredPretraining(new MonitoredPretraining.Options(
                ResumeTest.config("epochs=20", "workers=1", "optimizer.lr=1e6"), data, "synthetic", 0, 100, 5, 0.1, dir,
                false, null, 1, 2, false, "test"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);

        assertThatThrownBy(() -> session.run(print, print))
                .isInstanceOf(TrainingStoppedException.class)
                .satisfies(e -> {
                    Path named = namedCheckpoint(e.getMessage());
                    assertThat(named).as(e.getMessage()).exists();
                    Checkpoint c = CheckpointDirectory.load(named);
                    c.components().forEach((component, tensors) -> tensors.forEach((name, t) ->
                            assertThat(FiniteTensors.nonFiniteCount(t)).as(component + "/" + name).isZero()));
                });
        Checkpoint latest = CheckpointDirectory.load(dir);
        latest.components().forEach((component, tensors) -> tensors.forEach((name, t) ->
                assertThat(FiniteTensors.nonFiniteCount(t)).as("latest.zip " + component + "/" + name).isZero()));
    }

    @Test
    void aResumedRunThatStopsBeforeItsFirstCheckpointNamesTheCheckpointItResumedFrom() {
        SyntheticImages clean = new SyntheticImages(16, 8, 4, 3);
        Path first = dir.resolve("first");
        new MonitoredPretraining(new MonitoredPretraining.Options(ResumeTest.config("epochs=1", "workers=1"), clean, "clean", 0, 100,
                5, 0.1, first, false, null, 0, 2, false, "test")).run(quiet(), quiet());

        StoredCheckpoint resume = CheckpointDirectory.open(first);
        Path second = dir.resolve("second");
        MonitoredPretraining resumed = new MonitoredPretraining(new MonitoredPretraining.Options(
                ResumeTest.config("epochs=3", "workers=1"), new PoisonedImages(0), "poisoned", 0, 100, 5, 0.1, second,
                false, resume, 0, 2, false, "test"));
        assertThatThrownBy(() -> resumed.run(quiet(), quiet()))
                .isInstanceOf(TrainingStoppedException.class)
                .satisfies(e -> assertThat(namedCheckpoint(e.getMessage())).as(e.getMessage())
                        .isEqualTo(first.resolve("checkpoints").resolve("latest.zip")).exists())
                .hasMessageContaining("--resume " + first.resolve("checkpoints").resolve("latest.zip"));
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** The file after "The last good checkpoint is " in a stop message. */
    static Path namedCheckpoint(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("The last good checkpoint is (\\S+) \\(").matcher(message);
        assertThat(m.find()).as(message).isTrue();
        return Path.of(m.group(1));
    }
}
