package dev.moco.bench.cli;

import java.util.Locale;
import java.util.Optional;
import org.bytedeco.javacpp.Pointer;

/**
 * Turns an {@link OutOfMemoryError} into a message naming the bound that was reached and the
 * setting that raises it, instead of a stack trace. The bounds (see {@code docs/memory.md}):
 * <ul>
 *   <li>{@code -Dorg.bytedeco.javacpp.maxphysicalbytes}: the process's whole resident set
 *       (heap and native), checked by javacpp at every native allocation it registers, which
 *       includes every ND4J array;</li>
 *   <li>{@code -Dorg.bytedeco.javacpp.maxbytes}: the native bytes javacpp allocates itself;</li>
 *   <li>{@code -Xmx}: the Java heap.</li>
 * </ul>
 */
public final class MemoryBounds {

    private static final double MIB = 1024.0 * 1024.0;

    private MemoryBounds() {}

    /**
     * @param failure what a command threw, or a wrapper of it
     * @return the explanation if an {@link OutOfMemoryError} is among its causes
     */
    public static Optional<String> explain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError oom) {
                return Optional.of(describe(oom));
            }
        }
        return Optional.empty();
    }

    private static String describe(OutOfMemoryError oom) {
        String message = String.valueOf(oom.getMessage());
        StringBuilder all = new StringBuilder(message);    // javacpp puts the bound it hit in the cause
        for (Throwable t = oom.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            all.append("; ").append(t.getMessage());
        }
        message = all.toString();
        String setting;
        String now;
        if (message.contains("maxPhysicalBytes")) {
            setting = "-Dorg.bytedeco.javacpp.maxphysicalbytes=<size, e.g. 8g; 0: no bound>";
            now = mib(Pointer.maxPhysicalBytes());
        } else if (message.contains("maxBytes")) {
            setting = "-Dorg.bytedeco.javacpp.maxbytes=<size, e.g. 8g; 0: no bound>";
            now = mib(Pointer.maxBytes());
        } else if (message.contains("Java heap space") || message.contains("GC overhead")) {
            setting = "-Xmx<size, e.g. 8g>";
            now = mib(Runtime.getRuntime().maxMemory());
        } else if (message.contains("Direct buffer memory")) {
            setting = "-XX:MaxDirectMemorySize=<size>";
            now = "see the JVM's default";
        } else {
            setting = "-Xmx<size> (heap) or -Dorg.bytedeco.javacpp.maxphysicalbytes=<size> (whole process)";
            now = "heap " + mib(Runtime.getRuntime().maxMemory()) + ", process " + mib(Pointer.maxPhysicalBytes());
        }
        return "out of memory: " + message + "\n"
                + "  the bound is set by " + setting + " (now " + now + "); raise it through JAVA_OPTS, e.g.\n"
                + "  JAVA_OPTS='" + setting.replaceAll("<[^>]*>", "8g") + "' ./moco ...,\n"
                + "  or lower batch.size, queue.size or the image size. docs/memory.md lists what each command needs.";
    }

    private static String mib(long bytes) {
        return bytes <= 0 ? "no bound" : String.format(Locale.ROOT, "%.0f MiB", bytes / MIB);
    }
}
