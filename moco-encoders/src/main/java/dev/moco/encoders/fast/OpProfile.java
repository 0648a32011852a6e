package dev.moco.encoders.fast;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Optional timing of every oneDNN primitive execution, grouped by kind ("forward",
 * "backward weights", "add+relu", ...), for finding where a step's time goes. Off unless the
 * JVM runs with {@code -Dmoco.fast.profile=true}; then {@link FastEncoder#profileReport()}
 * prints the totals.
 */
final class OpProfile {

    static final boolean ENABLED = Boolean.getBoolean("moco.fast.profile");
    private static final Map<String, long[]> TOTALS = new TreeMap<>();

    private OpProfile() {}

    static synchronized void record(String opName, long nanos) {
        String kind = opName.contains(" ") ? opName.substring(opName.indexOf(' ') + 1) : opName;
        String family = opName.startsWith("layer") || opName.startsWith("conv1") || opName.startsWith("bn1")
                ? (opName.contains("downsample") ? "projection " : opName.contains("bn") ? "bn " : opName.contains("conv") ? "conv " : "")
                : "";
        long[] t = TOTALS.computeIfAbsent(family + kind, k -> new long[3]);
        t[0] += nanos;
        t[1]++;
        t[2] = Math.max(t[2], nanos);
    }

    static synchronized String report() {
        StringBuilder b = new StringBuilder();
        long total = TOTALS.values().stream().mapToLong(t -> t[0]).sum();
        TOTALS.forEach((k, t) -> b.append(String.format(Locale.ROOT, "%-34s %10.1f ms %7d calls %6.1f%% (slowest call %.1f ms)%n",
                k, t[0] / 1e6, t[1], 100.0 * t[0] / Math.max(1, total), t[2] / 1e6)));
        return b.toString();
    }

    static synchronized void reset() {
        TOTALS.clear();
    }
}
