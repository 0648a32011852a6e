package dev.moco.core.wiring;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;

/**
 * How much memory ND4J may allocate outside the Java heap, and the check that a configuration's
 * estimated demand fits in it. Without the check, a setting such as {@code queue.size=100000000}
 * fails deep in native code ({@code std::bad_alloc}) with a long stack trace.
 *
 * <pre>{@code
 * MemoryLimit.require(provider.memoryDemand(context), MemoryLimit.bytes());
 * }</pre>
 */
public final class MemoryLimit {

    private MemoryLimit() {}

    /**
     * The smaller of ND4J's off-heap limit (JavaCPP's {@code org.bytedeco.javacpp.maxbytes},
     * which defaults to the heap limit {@code -Xmx}) and the machine's physical memory.
     */
    public static long bytes() {
        long limit = Long.MAX_VALUE;
        long offHeap = Pointer.maxBytes();
        if (offHeap > 0) {
            limit = offHeap;
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getTotalMemorySize() > 0) {
            limit = Math.min(limit, os.getTotalMemorySize());
        }
        return limit;
    }

    /**
     * @param demand bytes by what causes them (e.g. a setting and its value)
     * @throws IllegalArgumentException if their sum exceeds {@code limit}, naming the largest
     */
    public static void require(Map<String, Long> demand, long limit) {
        long total = 0;
        String largest = null;
        long largestBytes = -1;
        for (Map.Entry<String, Long> e : demand.entrySet()) {
            total = saturatingAdd(total, e.getValue());
            if (e.getValue() > largestBytes) {
                largest = e.getKey();
                largestBytes = e.getValue();
            }
        }
        if (total > limit) {
            throw new IllegalArgumentException(largest + " needs an estimated " + format(total) + " of memory, more than the "
                    + format(limit) + " limit (ND4J's off-heap limit, by default -Xmx: raise it with"
                    + " JAVA_OPTS=-Xmx..., or choose a smaller value)");
        }
    }

    private static long saturatingAdd(long a, long b) {
        long sum = a + b;
        return b > 0 && sum < a ? Long.MAX_VALUE : sum;
    }

    /** Bytes in GB or MB with one decimal, e.g. {@code 51.2 GB}. */
    static String format(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.1f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
