package dev.moco.bench.benchmark.mechanisms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of training with one mechanism at one batch size, for a fresh JVM per
 * measurement (the kernel's high-water mark cannot be reset): prints VmHWM (peak resident set:
 * Java heap + ND4J/oneDNN off-heap + code) after building the encoder and dictionary, and
 * after {@code steps} training steps, and the growth between them.
 *
 * <pre>
 * for b in 64 128 256 512; do
 *   java -Xmx2g -cp ... dev.moco.bench.benchmark.mechanisms.EndToEndMemoryProbe end-to-end $b 2 auto
 * done
 * </pre>
 */
public final class EndToEndMemoryProbe {

    public static void main(String[] args) throws IOException {
        String mechanism = args.length > 0 ? args[0] : "end-to-end";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        String encoder = args.length > 3 ? args[3] : "auto";
        BenchmarkSetup setup = new BenchmarkSetup(mechanism, batch, encoder);
        long before = statusKiB("VmHWM");
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            setup.step();
        }
        double msPerStep = (System.nanoTime() - start) / 1e6 / steps;
        long after = statusKiB("VmHWM");
        System.out.printf("%s batch=%d K=%d encoder=%s: VmHWM built %.0f MiB, after %d steps %.0f MiB,"
                        + " growth %.0f MiB; VmRSS now %.0f MiB; %.0f ms/step%n",
                mechanism, batch, setup.dictionary.negativesPerQuery(), setup.encoderName, before / 1024.0, steps,
                after / 1024.0, (after - before) / 1024.0, statusKiB("VmRSS") / 1024.0, msPerStep);
    }

    /** A "Vm..." line of /proc/self/status, in KiB. */
    static long statusKiB(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException(field + " not found in /proc/self/status");
    }
}
