package dev.moco.bench.benchmark.memory;

import dev.moco.encoders.fast.FastEncoder;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
     * of the ND4J buffers alive, the fast engine's arenas, javacpp's own and the Java heap in use, in MiB}
     */
    public static String describe() {
        Runtime jvm = Runtime.getRuntime();
        return String.format(Locale.ROOT, "RSS %d MiB (peak %d), ND4J buffers %d MiB, fast-engine arenas %d MiB,"
                + " javacpp %d MiB, heap used %d MiB", mib(currentBytes()), mib(peakBytes()), mib(NativeArrays.liveBytes()),
                mib(FastEncoder.liveArenaBytes()), mib(Pointer.totalBytes()),
                mib(jvm.totalMemory() - jvm.freeMemory()));
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
