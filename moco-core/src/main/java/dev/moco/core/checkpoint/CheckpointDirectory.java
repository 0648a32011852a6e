package dev.moco.core.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The checkpoints of one run, in one directory:
 *
 * <ul>
 *   <li>{@code checkpoint-epoch-003.zip}: written at the end of epoch 3; the newest
 *       {@code keepEpochs} of these are kept;
 *   <li>{@code latest.zip}: the newest checkpoint, at an epoch end or mid-epoch (every N
 *       steps); {@code --resume <dir>} reads it.
 * </ul>
 *
 * Every file is replaced atomically ({@link CheckpointWriter}); at an epoch end
 * {@code latest.zip} becomes an independent copy of the new epoch file (copied to a temporary
 * file and renamed into place), so damage to one never reaches the other. When
 * {@code latest.zip} cannot be read, {@link #load} names in its error the other checkpoints
 * that pass their checks.
 *
 * <pre>{@code
 * CheckpointDirectory checkpoints = new CheckpointDirectory(runDir.resolve("checkpoints"), 2);
 * checkpoints.saveEpoch(3, checkpoint);
 * Checkpoint resumed = CheckpointDirectory.load(Path.of(args.resume));
 * }</pre>
 */
public final class CheckpointDirectory {

    public static final String LATEST = "latest.zip";
    private static final Pattern EPOCH_FILE = Pattern.compile("checkpoint-epoch-(\\d+)\\.zip");
    /** Temporary files of {@link CheckpointWriter} (and of older builds' hard-link step) for our file names. */
    private static final Pattern TEMPORARY = Pattern.compile("\\.(latest|checkpoint-epoch-\\d+)\\.zip\\..*\\.tmp");

    private final Path directory;
    private final int keepEpochs;
    private final CheckpointWriter writer;

    /**
     * @param keepEpochs how many epoch checkpoints to keep, at least 1 (2 keeps the previous
     *     one as a fallback)
     */
    public CheckpointDirectory(Path directory, int keepEpochs) {
        this(directory, keepEpochs, new CheckpointWriter());
    }

    CheckpointDirectory(Path directory, int keepEpochs, CheckpointWriter writer) {
        if (keepEpochs < 1) {
            throw new IllegalArgumentException("the number of epoch checkpoints kept must be at least 1, got " + keepEpochs);
        }
        this.directory = directory;
        this.keepEpochs = keepEpochs;
        this.writer = writer;
    }

    public Path directory() {
        return directory;
    }

    public Path latest() {
        return directory.resolve(LATEST);
    }

    /** The file of the checkpoint written at the end of {@code epoch} (1-based). */
    public Path epochFile(int epoch) {
        return directory.resolve(String.format(Locale.ROOT, "checkpoint-epoch-%03d.zip", epoch));
    }

    /**
     * Writes the checkpoint taken at the end of {@code epoch} (1-based), copies it to
     * {@code latest.zip} and removes epoch checkpoints beyond the newest
     * {@code keepEpochs}.
     *
     * @return the epoch file
     */
    public Path saveEpoch(int epoch, Checkpoint checkpoint) {
        Path file = epochFile(epoch);
        writer.write(checkpoint, file);
        writer.copy(file, latest());
        prune();
        return file;
    }

    /** Writes a mid-epoch checkpoint as {@code latest.zip}; the epoch files stay. */
    public Path saveLatest(Checkpoint checkpoint) {
        writer.write(checkpoint, latest());
        return latest();
    }

    /** The epoch checkpoints present, oldest first. */
    public List<Path> epochFiles() {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> EPOCH_FILE.matcher(f.getFileName().toString()).matches())
                    .sorted((a, b) -> Integer.compare(epochOf(a), epochOf(b)))
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + directory, e);
        }
    }

    /**
     * Reads the checkpoint to resume from: {@code path} itself if it is a file, else its
     * {@code latest.zip}, else its {@code checkpoints/latest.zip} (a run's output directory).
     *
     * @throws CheckpointException when there is none or it cannot be read; the message lists
     *     the other checkpoints next to it that pass their checks, which can be passed instead
     */
    public static Checkpoint load(Path path) {
        return open(path).checkpoint();
    }

    /** As {@link #load}, with the file that was read. */
    public static StoredCheckpoint open(Path path) {
        Path file = resolve(path);
        try {
            return new StoredCheckpoint(file, new CheckpointReader().read(file));
        } catch (CheckpointException e) {
            Path absolute = file.toAbsolutePath();
            List<Path> others = new CheckpointDirectory(absolute.getParent(), 1).epochFiles().stream()
                    .filter(p -> !p.equals(absolute))
                    .filter(CheckpointDirectory::readable)
                    .toList();
            String hint = others.isEmpty() ? ""
                    : "; checkpoints there that pass their checks: " + others.stream().map(p -> p.getFileName().toString())
                            .collect(Collectors.joining(", ")) + " (pass one of them instead)";
            throw new CheckpointException(e.getMessage() + hint, e);
        }
    }

    private static boolean readable(Path file) {
        try {
            new CheckpointReader().read(file);
            return true;
        } catch (CheckpointException e) {
            return false;
        }
    }

    /**
     * Removes the temporary files a process killed while writing a checkpoint left behind.
     * Call at the start of a run, when no other process writes into this directory.
     *
     * @return the files removed
     */
    public List<Path> removeStaleTemporaries() {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<Path> stale;
        try (Stream<Path> files = Files.list(directory)) {
            stale = files.filter(f -> TEMPORARY.matcher(f.getFileName().toString()).matches()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + directory, e);
        }
        for (Path file : stale) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the stale temporary file " + file, e);
            }
        }
        return stale;
    }

    /** The checkpoint file {@link #load} would read for {@code path}. */
    public static Path resolve(Path path) {
        if (Files.isDirectory(path)) {
            Path direct = path.resolve(LATEST);
            Path nested = path.resolve("checkpoints").resolve(LATEST);
            return Files.exists(direct) || !Files.exists(nested) ? direct : nested;
        }
        return path;
    }

    private void prune() {
        List<Path> files = epochFiles();
        for (int i = 0; i < files.size() - keepEpochs; i++) {
            try {
                Files.deleteIfExists(files.get(i));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove old checkpoint " + files.get(i), e);
            }
        }
    }

    private static int epochOf(Path file) {
        Matcher m = EPOCH_FILE.matcher(file.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }
}
