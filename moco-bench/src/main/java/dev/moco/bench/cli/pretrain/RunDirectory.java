package dev.moco.bench.cli.pretrain;

import dev.moco.core.checkpoint.CheckpointDirectory;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A run's output directory: {@value #CONFIG}, {@value #METRICS}, {@value #CHART} and
 * {@value #CHECKPOINTS}/. A new run never replaces another run's files silently: it is
 * refused unless asked to overwrite, and then the old run's files are removed first so that
 * checkpoints of two runs never mix.
 */
public final class RunDirectory {

    public static final String CONFIG = "config.properties";
    public static final String METRICS = "metrics.csv";
    public static final String CHART = "training.png";
    public static final String CHECKPOINTS = "checkpoints";

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
        for (String name : List.of(CONFIG, METRICS, CHART)) {
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
        List<Path> existing = runFiles(dir);
        if (existing.isEmpty()) {
            return;
        }
        if (!overwrite) {
            String names = existing.stream().limit(4).map(f -> dir.relativize(f).toString())
                    .collect(Collectors.joining(", ")) + (existing.size() > 4 ? ", ..." : "");
            throw new IllegalArgumentException("--out " + dir + " already holds a run (" + names + "): continue it with"
                    + " --resume " + dir + ", or pass --overwrite to start again and delete that run's files");
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

    /** Deletes the stale temporaries of checkpoint writes killed part-way; says which on {@code log}. */
    static void removeStaleTemporaries(CheckpointDirectory checkpoints, java.io.PrintStream log) {
        for (Path stale : checkpoints.removeStaleTemporaries()) {
            log.println("note: removed " + stale.getFileName() + ", left by a checkpoint write that was interrupted");
        }
    }

    /** Why a file operation failed, in words. */
    static String reason(IOException e) {
        String file = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : null;
        String what = e instanceof AccessDeniedException ? "permission denied"
                : e instanceof FileAlreadyExistsException ? "a file of that name is in the way"
                : e instanceof NoSuchFileException ? "no such file or directory"
                : e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return file == null ? what : what + " (" + file + ")";
    }
}
