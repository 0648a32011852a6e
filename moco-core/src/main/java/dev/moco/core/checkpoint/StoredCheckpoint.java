package dev.moco.core.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint with the file it was read from, so that messages can name a file that exists.
 *
 * @param file the checkpoint file that was read
 * @param checkpoint its verified contents
 */
public record StoredCheckpoint(Path file, Checkpoint checkpoint) {}
