package dev.moco.bench.benchmark.mechanisms;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Training-step throughput of the three mechanisms side by side, same encoder and batch: queue
 * (MoCo), memory bank and end-to-end, each with its own freshly initialised ResNet-20. Steps
 * are interleaved (one step of each mechanism per round), so a change in machine load hits
 * all three alike. Prints ms/step (median and mean), images/s and the ratio to the queue.
 *
 * <pre>
 * java -cp ... dev.moco.bench.benchmark.mechanisms.MechanismThroughputBenchmark [batch=256] [steps=10] [warmup=2] [encoder=auto]
 * </pre>
 */
public final class MechanismThroughputBenchmark {
    static final List<String> MECHANISMS = List.of("queue", "memory-bank", "end-to-end");

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        String encoder = args.length > 3 ? args[3] : "auto";
        run(batch, steps, warmup, encoder);
    }

    static void run(int batch, int steps, int warmup, String encoder) {
        BenchmarkSetup[] setups = MECHANISMS.stream().map(m -> new BenchmarkSetup(m, batch, encoder))
                .toArray(BenchmarkSetup[]::new);
        System.out.printf("encoder: %s; batch %d; %d warm-up + %d measured steps each, interleaved; %d cores%n",
                setups[0].encoderName, batch, warmup, steps, Runtime.getRuntime().availableProcessors());
        for (int i = 0; i < warmup; i++) {
            for (BenchmarkSetup s : setups) {
                s.step();
            }
        }
        double[][] millis = new double[setups.length][steps];
        for (int i = 0; i < steps; i++) {
            for (int m = 0; m < setups.length; m++) {
                long start = System.nanoTime();
                setups[m].step();
                millis[m][i] = (System.nanoTime() - start) / 1e6;
            }
        }
        double queueMedian = median(millis[0]);
        System.out.printf("%-12s %6s %12s %12s %10s %14s %s%n",
                "mechanism", "K", "median ms", "mean ms", "images/s", "time / queue", "dictionary bytes");
        for (int m = 0; m < setups.length; m++) {
            double med = median(millis[m]);
            double mean = Arrays.stream(millis[m]).average().orElse(Double.NaN);
            System.out.printf("%-12s %6d %12.1f %12.1f %10.1f %14.2f %d%n", setups[m].mechanism,
                    setups[m].dictionary.negativesPerQuery(), med, mean, batch * 1000 / med, med / queueMedian,
                    setups[m].dictionary.memoryBytes());
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The same comparison from Maven: excluded by default (tag {@code benchmark}). */
    @Test
    @Tag("benchmark")
    void queueVersusMemoryBankVersusEndToEnd() {
        run(Integer.getInteger("benchmark.batch", 256), Integer.getInteger("benchmark.steps", 10),
                Integer.getInteger("benchmark.warmup", 2), System.getProperty("benchmark.encoder", "auto"));
    }
}
