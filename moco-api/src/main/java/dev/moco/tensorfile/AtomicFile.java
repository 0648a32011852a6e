package dev.moco.tensorfile;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a file atomically: the content goes into a temporary file
 * {@code .<name>.<random>.tmp} in the target's directory, is forced to disk, and is renamed
 * over the target with {@link StandardCopyOption#ATOMIC_MOVE}; then the directory is forced
 * too. A reader sees the old file or the new one, never a part; when writing fails the
 * temporary file is removed and the target is untouched. A process killed part-way leaves
 * the temporary file, which {@link #isTemporaryOf} recognises for clean-up.
 *
 * <p>Every file it writes gets the mode {@value #FILE_MODE} (where the file system has POSIX
 * modes): a temporary file is created owner-only, and without this a checkpoint or chart would
 * end up with another mode than the CSV beside it.
 *
 * <pre>{@code
 * AtomicFile.replace(target, channel -> channel.write(bytes));
 * }</pre>
 */
public final class AtomicFile {

    /** The mode of every file written here: read-write for the owner, readable by others. */
    public static final String FILE_MODE = "rw-r--r--";

    private AtomicFile() {}

    /** Writes the new content of a file into the channel of its temporary file. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the whole new content. The channel is open for writing at position 0 of an
         * empty file; it must not be closed, as {@link #replace} forces and closes it.
         *
         * @param channel the channel of the temporary file
         * @throws IOException if writing fails; {@link #replace} then leaves the target as it was
         */
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Replaces {@code target} with what {@code content} writes, creating missing parent
     * directories.
     *
     * @param target the file to create or replace
     * @param content writes the new content into the temporary file
     * @throws IOException if writing, forcing or renaming fails (also when the file system
     *     cannot rename atomically); the target is then as it was
     */
    public static void replace(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
            setMode(tmp);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                content.writeTo(channel);
                channel.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically", e);
            }
            tmp = null;
            forceDirectory(dir);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temporary file does not harm the target, and is removed at the next start
                }
            }
        }
    }

    /**
     * Replaces {@code target} with {@code bytes}, atomically.
     *
     * @param target the file to create or replace
     * @param bytes its whole content
     * @throws IOException as {@link #replace}; the target is then as it was
     */
    public static void write(Path target, byte[] bytes) throws IOException {
        replace(target, channel -> {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    /**
     * Copies {@code source} over {@code target} atomically: an independent copy, never a link.
     *
     * @param source the file to copy; not changed
     * @param target the file to create or replace
     * @throws IOException if {@code source} cannot be read, or as {@link #replace}; the target
     *     is then as it was
     */
    public static void copy(Path source, Path target) throws IOException {
        replace(target, channel -> {
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                long size = in.size();
                for (long done = 0; done < size; ) {
                    done += in.transferTo(done, size - done, channel);
                }
            }
        });
    }

    /**
     * Whether {@code file}'s name is that of a temporary file {@link #replace} makes for
     * {@code targetName}, i.e. {@code .<targetName>.<anything>.tmp}. Looks at the name only.
     *
     * @param file the file to test, in any directory
     * @param targetName the target's file name, without its directory
     * @return true if {@code file} is named like a temporary file for that target
     */
    public static boolean isTemporaryOf(Path file, String targetName) {
        String name = file.getFileName().toString();
        return name.startsWith("." + targetName + ".") && name.endsWith(".tmp");
    }

    private static void setMode(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(FILE_MODE));
        }
    }

    /** Forces the directory entry of a rename to disk (Linux; a no-op where unsupported). */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not all platforms let a directory be opened; the rename itself is still atomic
        }
    }
}
