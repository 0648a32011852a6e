package dev.moco.bench.benchmark.memory;

import dev.moco.api.kit.StepWorkspace;
import dev.moco.encoders.fast.FastEncoder;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.management.JMException;
import javax.management.ObjectName;
import org.bytedeco.javacpp.Pointer;

/**
 * The process's resident memory as the kernel counts it ({@code /proc/self/status}): VmRSS now
 * and VmHWM, its peak. What {@code ps} and the OOM killer see, native and heap together.
 */
public final class ResidentMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {}

    /** {@return VmRSS in bytes, or -1 where /proc is unavailable} */
    public static long currentBytes() {
        return field("VmRSS:");
    }

    /** {@return VmHWM (the peak resident set) in bytes, or -1 where /proc is unavailable} */
    public static long peakBytes() {
        return field("VmHWM:");
    }

    /** {@return garbage collections of this JVM so far, all collectors} */
    public static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    /**
     * {@return one line of what this JVM holds now: resident set and its peak, the native bytes
     * of the ND4J buffers alive, the fast engine's arenas, the calling thread's step workspaces,
     * javacpp's own and the Java heap in use, in MiB}
     */
    public static String describe() {
        Runtime jvm = Runtime.getRuntime();
        return String.format(Locale.ROOT, "RSS %d MiB (peak %d), ND4J buffers %d MiB, fast-engine arenas %d MiB,"
                + " workspaces %d MiB, javacpp %d MiB, heap used %d MiB", mib(currentBytes()), mib(peakBytes()),
                mib(NativeArrays.liveBytes()), mib(FastEncoder.liveArenaBytes()), mib(StepWorkspace.heldBytes()),
                mib(Pointer.totalBytes()), mib(jvm.totalMemory() - jvm.freeMemory()));
    }

    /**
     * Gives back what a finished run leaves resident in a JVM that goes on to other runs: the
     * calling thread's step workspaces, each as large as the largest step of its kind so far
     * ({@link StepWorkspace#releaseAll()}), and the pages of the C heap that its freed
     * allocations leave behind ({@code malloc_trim}, through the JVM's own {@code
     * System.trim_native_heap}, where the JVM has it: OpenJDK 17.0.9 and later, on glibc).
     * Call it between runs, with no step running on this thread.
     */
    public static void releaseAfterRun() {
        StepWorkspace.releaseAll();
        trimNativeHeap();
    }

    /** {@return whether the JVM trimmed the C heap; false where it has no System.trim_native_heap} */
    static boolean trimNativeHeap() {
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "systemTrimNativeHeap", new Object[] {null}, new String[] {String[].class.getName()});
            return true;
        } catch (JMException | RuntimeException e) {
            return false;
        }
    }

    private static long mib(long bytes) {
        return bytes < 0 ? -1 : bytes >> 20;
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
