package dev.moco.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void keepsTheNewestEpochsAndPointsLatestAtTheLast() {
        CheckpointDirectory checkpoints = new CheckpointDirectory(dir, 2);
        for (int epoch = 1; epoch <= 4; epoch++) {
            checkpoints.saveEpoch(epoch, CheckpointFileTest.sample(epoch));
        }
        assertThat(checkpoints.epochFiles()).extracting(p -> p.getFileName().toString())
                .containsExactly("checkpoint-epoch-003.zip", "checkpoint-epoch-004.zip");
        assertThat(CheckpointDirectory.load(dir).requireProperty("seed")).isEqualTo("4");
        assertThat(CheckpointDirectory.load(checkpoints.epochFile(3)).requireProperty("seed")).isEqualTo("3");
    }

    @Test
    void midEpochCheckpointsReplaceOnlyLatest() {
        CheckpointDirectory checkpoints = new CheckpointDirectory(dir, 2);
        checkpoints.saveEpoch(1, CheckpointFileTest.sample(1));
        checkpoints.saveLatest(CheckpointFileTest.sample(99));
        assertThat(CheckpointDirectory.load(dir).requireProperty("seed")).isEqualTo("99");
        assertThat(CheckpointDirectory.load(checkpoints.epochFile(1)).requireProperty("seed")).isEqualTo("1");
    }

    @Test
    void aRunDirectoryResolvesToItsCheckpointsSubdirectory() {
        new CheckpointDirectory(dir.resolve("checkpoints"), 1).saveEpoch(1, CheckpointFileTest.sample(5));
        assertThat(CheckpointDirectory.resolve(dir)).isEqualTo(dir.resolve("checkpoints").resolve("latest.zip"));
        assertThat(CheckpointDirectory.load(dir).requireProperty("seed")).isEqualTo("5");
    }

    @Test
    void corruptLatestNamesTheUsableEpochFiles() throws IOException {
        CheckpointDirectory checkpoints = new CheckpointDirectory(dir, 2);
        checkpoints.saveEpoch(1, CheckpointFileTest.sample(1));
        checkpoints.saveLatest(CheckpointFileTest.sample(2));
        Files.write(checkpoints.latest(), new byte[] {'P', 'K', 3, 4, 0, 0});

        assertThatThrownBy(() -> CheckpointDirectory.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("latest.zip")
                .hasMessageContaining("checkpoint-epoch-001.zip");
        assertThat(CheckpointDirectory.load(checkpoints.epochFile(1)).requireProperty("seed")).isEqualTo("1");
    }

    @Test
    void latestIsAnIndependentCopySoDamagingOneLeavesTheOtherAndOnlyGoodFilesAreOffered() throws IOException {
        CheckpointDirectory checkpoints = new CheckpointDirectory(dir, 3);
        checkpoints.saveEpoch(1, CheckpointFileTest.sample(1));
        checkpoints.saveEpoch(2, CheckpointFileTest.sample(2));
        Path epoch2 = checkpoints.epochFile(2);
        byte[] bytes = Files.readAllBytes(epoch2);
        bytes[bytes.length / 3] ^= 0x10;
        Files.write(checkpoints.latest(), bytes);   // damage latest.zip in place (a hard link would damage both)

        assertThat(CheckpointDirectory.load(epoch2).requireProperty("seed")).isEqualTo("2");
        assertThatThrownBy(() -> CheckpointDirectory.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("checkpoint-epoch-001.zip, checkpoint-epoch-002.zip (pass one of them instead)");

        Files.write(epoch2, bytes);                 // now the epoch file is damaged too: it is no longer offered
        assertThatThrownBy(() -> CheckpointDirectory.load(dir))
                .hasMessageContaining("pass their checks: checkpoint-epoch-001.zip (pass one of them instead)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("checkpoint-epoch-002.zip"));
    }

    @Test
    void staleTemporariesOfKilledWritesAreRemovedAndNothingElse() throws IOException {
        CheckpointDirectory checkpoints = new CheckpointDirectory(dir, 2);
        checkpoints.saveEpoch(1, CheckpointFileTest.sample(1));
        Path staleLatest = Files.write(dir.resolve(".latest.zip.8412.tmp"), new byte[] {1});
        Path staleEpoch = Files.write(dir.resolve(".checkpoint-epoch-002.zip.77.tmp"), new byte[] {1});
        Path other = Files.write(dir.resolve("notes.tmp"), new byte[] {1});

        assertThat(checkpoints.removeStaleTemporaries()).containsExactlyInAnyOrder(staleEpoch, staleLatest);
        assertThat(staleLatest).doesNotExist();
        assertThat(staleEpoch).doesNotExist();
        assertThat(other).exists();
        assertThat(checkpoints.epochFile(1)).exists();
    }
}
