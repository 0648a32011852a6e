package dev.moco.bench.cli;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.StoredCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A run's output directory, the one rule of every command that writes one ({@code pretrain},
 * {@code train-supervised}, {@code transfer segment|detect|instances}): {@value #CONFIG},
 * {@value #METRICS}, {@value #CHART}, {@value #MODEL} (train-supervised's result) and
 * {@value #CHECKPOINTS}/. A new run never replaces another run's files silently: it is
 * refused unless asked to overwrite, and then the old run's files are removed first so that
 * checkpoints of two runs never mix. An interrupted run is continued from
 * {@value #CHECKPOINTS}/latest.zip. The location is checked before any work
 * ({@link #check}), the old files deleted only when the work begins ({@link Start#begin}).
 */
public final class RunDirectory {

    public static final String CONFIG = "config.properties";
    public static final String METRICS = "metrics.csv";
    public static final String CHART = "training.png";
    public static final String CHECKPOINTS = "checkpoints";
    /** The trained model of a command whose result is a checkpoint ({@code train-supervised}). */
    public static final String MODEL = CheckpointDirectory.LATEST;

    private RunDirectory() {}

    /** The run directory a --resume path (a run directory, its checkpoints/ directory or a checkpoint file) belongs to. */
    public static Path of(Path resume) {
        Path p = resume.toAbsolutePath().normalize();
        if (Files.isRegularFile(p)) {
            p = p.getParent();
        }
        if (p.getFileName() != null && p.getFileName().toString().equals(CHECKPOINTS)) {
            return p.getParent();
        }
        return p;
    }

    /** The files of a run present in {@code dir} (none if it is not a run directory). */
    public static List<Path> runFiles(Path dir) {
        List<Path> files = new ArrayList<>();
        for (String name : List.of(CONFIG, METRICS, CHART, MODEL)) {
            if (Files.exists(dir.resolve(name))) {
                files.add(dir.resolve(name));
            }
        }
        Path checkpoints = dir.resolve(CHECKPOINTS);
        if (Files.isDirectory(checkpoints)) {
            try (Stream<Path> list = Files.list(checkpoints)) {
                list.filter(f -> f.getFileName().toString().endsWith(".zip") || f.getFileName().toString().endsWith(".tmp"))
                        .sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + checkpoints + ": " + reason(e), e);
            }
        }
        return files;
    }

    /**
     * Makes {@code dir} ready for a new run: refuses when it holds another run, unless
     * {@code overwrite}, in which case that run's files are deleted. Creates nothing.
     *
     * @throws IllegalArgumentException if {@code dir} holds a run and {@code overwrite} is false
     */
    public static void requireFresh(Path dir, boolean overwrite) {
        requireFresh("--out", dir, overwrite, "--resume " + dir);
    }

    private static void requireFresh(String option, Path dir, boolean overwrite, String resume) {
        List<Path> existing = runFiles(dir);
        if (existing.isEmpty()) {
            return;
        }
        if (!overwrite) {
            String names = existing.stream().limit(4).map(f -> dir.relativize(f).toString())
                    .collect(Collectors.joining(", ")) + (existing.size() > 4 ? ", ..." : "");
            throw new IllegalArgumentException(option + " " + dir + " already holds a run (" + names + "): continue it with "
                    + resume + ", or pass --overwrite to start again and delete that run's files");
        }
        for (Path file : existing) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + file + " of the old run: " + reason(e), e);
            }
        }
    }

    /** @throws IllegalArgumentException if {@code dir} exists and is not a directory */
    public static void requireDirectoryOrAbsent(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is a file, not a directory");
        }
    }

    /** Creates {@code dir} (and its checkpoints/), with the reason when that is impossible. */
    public static void create(Path dir) {
        requireDirectoryOrAbsent(dir);
        try {
            Files.createDirectories(dir.resolve(CHECKPOINTS));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output directory " + dir + ": " + reason(e), e);
        }
    }

    /**
     * A run about to start in a checked directory: a new one, or the continuation of the run
     * whose checkpoint is {@code resumeFrom}.
     *
     * @param dir the run directory
     * @param overwrite whether the old run's files are deleted when the work begins
     * @param resumeFrom the checkpoint to continue from, or null for a new run
     */
    public record Start(Path dir, boolean overwrite, StoredCheckpoint resumeFrom) {

        /** The run's checkpoints (the newest epoch kept, and {@code latest.zip}). */
        public CheckpointDirectory checkpoints() {
            return new CheckpointDirectory(dir.resolve(CHECKPOINTS), 1);
        }

        /**
         * Called when the work begins: deletes the old run's files (with --overwrite), creates the
         * directory and its checkpoints/, and removes temporaries of writes killed part-way.
         */
        public void begin(java.io.PrintStream log) {
            if (resumeFrom == null && overwrite) {
                requireFresh(dir, true);
            }
            create(dir);
            removeStaleTemporaries(checkpoints(), log);
        }
    }

    /**
     * A resumed run continues with the options it was started with: every entry of
     * {@code identity} must be as the checkpoint recorded it under {@code prefix}.
     *
     * @param saved the checkpoint being resumed
     * @param prefix the property prefix the run recorded its identity under
     * @param identity the options that make the run this run, by name
     * @param file the checkpoint's file, for the message
     * @throws IllegalArgumentException listing every option that differs, now and in the run
     */
    public static void requireSameRun(Checkpoint saved, String prefix, Map<String, String> identity, Path file) {
        List<String> differences = new ArrayList<>();
        identity.forEach((key, value) -> {
            String was = saved.property(prefix + key).orElse("(none)");
            if (!was.equals(value)) {
                differences.add(key + " " + value + " (the run: " + was + ")");
            }
        });
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("--resume continues the run of " + file + " with the options it was started"
                    + " with, but these differ: " + String.join("; ", differences));
        }
    }

    /**
     * The rule, applied before any work: {@code dir} must be a directory or creatable, and
     * writable (else the reason is given); a new run is refused where a run is unless
     * {@code overwrite}; {@code resume} needs a run with a checkpoint there. Deletes and
     * creates nothing.
     *
     * @param option the option that named {@code dir}, for messages
     * @throws IllegalArgumentException saying what is wrong with {@code dir}
     * @throws dev.moco.core.checkpoint.CheckpointException if the checkpoint to resume from cannot be read
     */
    public static Start check(String option, Path dir, boolean overwrite, boolean resume) {
        requireWritable(option, dir);
        if (!resume) {
            if (!overwrite) {
                requireFresh(option, dir, false, "--resume");
            }
            return new Start(dir, overwrite, null);
        }
        Path latest = dir.resolve(CHECKPOINTS).resolve(CheckpointDirectory.LATEST);
        if (!Files.exists(latest)) {
            throw new IllegalArgumentException(option + " " + dir + " holds no run to resume (no " + CHECKPOINTS + "/"
                    + CheckpointDirectory.LATEST + "); start it without --resume");
        }
        return new Start(dir, false, CheckpointDirectory.open(latest));
    }

    /**
     * @throws IllegalArgumentException if files cannot be created in {@code dir} (or in the
     *     directory it would be created in), with the reason
     */
    public static void requireWritable(String option, Path dir) {
        Path existing = dir.toAbsolutePath().normalize();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new IllegalArgumentException(option + " " + dir + " cannot be created: no part of the path exists");
        }
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException(option + " " + dir + (existing.equals(dir.toAbsolutePath().normalize())
                    ? " is a file, not a directory" : " cannot be created: " + existing + " is a file, not a directory"));
        }
        try {
            Files.delete(Files.createTempFile(existing, ".moco-write-check", ".tmp"));
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + dir + " is not writable: " + reason(e), e);
        }
    }

    /** Deletes the stale temporaries of checkpoint writes killed part-way; says which on {@code log}. */
    public static void removeStaleTemporaries(CheckpointDirectory checkpoints, java.io.PrintStream log) {
        for (Path stale : checkpoints.removeStaleTemporaries()) {
            log.println("note: removed " + stale.getFileName() + ", left by a checkpoint write that was interrupted");
        }
    }

    /** Why a file operation failed, in words. */
    public static String reason(IOException e) {
        String file = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : null;
        String what = e instanceof AccessDeniedException ? "permission denied"
                : e instanceof FileAlreadyExistsException ? "a file of that name is in the way"
                : e instanceof NoSuchFileException ? "no such file or directory"
                : e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return file == null ? what : what + " (" + file + ")";
    }
}
