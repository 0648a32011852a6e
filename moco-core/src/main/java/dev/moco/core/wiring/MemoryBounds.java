package dev.moco.core.wiring;

import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
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
 * Where the JVM option is given depends on who starts the JVM: {@code JAVA_OPTS} for
 * {@code ./moco}, Spark's executor settings for a worker of a distributed run. The caller
 * says how, as a function from the option to the advice.
 *
 * <pre>{@code
 * MemoryBounds.explain(error, option -> "raise it through JAVA_OPTS, e.g. JAVA_OPTS='"
 *         + MemoryBounds.example(option) + "' ./moco ...,").ifPresent(System.err::println);
 * }</pre>
 */
public final class MemoryBounds {

    /** The option of the heap bound, as {@code explain} hands it to the advice. */
    public static final String HEAP = "-Xmx<size, e.g. 8g>";

    private static final double MIB = 1024.0 * 1024.0;

    private MemoryBounds() {}

    /**
     * @param failure what a command threw, or a wrapper of it
     * @param raise the advice for an option, e.g. {@code -Dorg.bytedeco.javacpp.maxphysicalbytes=<size, ...>}
     *     or {@link #HEAP}: how to give it a larger value, ending in a comma
     * @return the explanation if an {@link OutOfMemoryError} is among its causes
     */
    public static Optional<String> explain(Throwable failure, UnaryOperator<String> raise) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError oom) {
                return Optional.of(describe(oom, raise));
            }
        }
        return Optional.empty();
    }

    /** {@return {@code option} with its placeholder replaced by 8g, as an example to copy} */
    public static String example(String option) {
        return option.replaceAll("<[^>]*>", "8g");
    }

    private static String describe(OutOfMemoryError oom, UnaryOperator<String> raise) {
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
            setting = HEAP;
            now = mib(Runtime.getRuntime().maxMemory());
        } else if (message.contains("Direct buffer memory")) {
            setting = "-XX:MaxDirectMemorySize=<size>";
            now = "see the JVM's default";
        } else {
            setting = "-Xmx<size> (heap) or -Dorg.bytedeco.javacpp.maxphysicalbytes=<size> (whole process)";
            now = "heap " + mib(Runtime.getRuntime().maxMemory()) + ", process " + mib(Pointer.maxPhysicalBytes());
        }
        return "out of memory: " + message + "\n"
                + "  the bound is set by " + setting + " (now " + now + "); " + raise.apply(setting) + "\n"
                + "  or lower batch.size, queue.size or the image size. docs/memory.md lists what each command needs.";
    }

    private static String mib(long bytes) {
        return bytes <= 0 ? "no bound" : String.format(Locale.ROOT, "%.0f MiB", bytes / MIB);
    }
}
