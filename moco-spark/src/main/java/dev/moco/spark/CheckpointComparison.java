package dev.moco.spark;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.StoredCheckpoint;
import dev.moco.core.run.TrainingPosition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Two checkpoints compared tensor by tensor: whether a run ended where another run of the
 * same settings did (a cluster's against {@code local[W]}'s, a restarted run's against an
 * uninterrupted one's). A tensor's difference is max |a − b| / max(max |a|, max |b|); two
 * checkpoints are equal within a tolerance when they hold the same position and tensors of the
 * same names and shapes, and every difference is within it.
 *
 * <pre>{@code
 * CheckpointComparison c = CheckpointComparison.of(CheckpointDirectory.load(cluster), CheckpointDirectory.load(local));
 * assert c.equalWithin(1e-5) : c.verdict(1e-5);
 * }</pre>
 *
 * <p>As a main class (moco-spark's jar, e.g. through {@code spark-submit --class}) it prints the
 * positions, each component's largest difference and, last, a verdict: {@code equal: ...} with
 * exit code 0, or {@code different: ...} with exit code 1.
 *
 * @param position the first checkpoint's position
 * @param otherPosition the second checkpoint's
 * @param differences each tensor both hold with equal shapes, {@code component/name}, to its relative difference
 * @param bitwiseEqual the tensors of {@code differences} whose values are equal bit for bit
 * @param mismatches what keeps the two from being compared: a tensor only one holds, or of other shapes
 */
public record CheckpointComparison(TrainingPosition position, TrainingPosition otherPosition, Map<String, Double> differences,
        List<String> bitwiseEqual, List<String> mismatches) {

    /**
     * @param checkpoint one checkpoint
     * @param other the checkpoint it is compared with
     * @return their comparison, tensor by tensor
     */
    public static CheckpointComparison of(Checkpoint checkpoint, Checkpoint other) {
        Map<String, INDArray> tensors = tensors(checkpoint);
        Map<String, INDArray> others = tensors(other);
        Map<String, Double> differences = new LinkedHashMap<>();
        List<String> bitwise = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        tensors.forEach((name, a) -> {
            INDArray b = others.get(name);
            if (b == null) {
                mismatches.add(name + " is only in the first");
            } else if (!Arrays.equals(a.shape(), b.shape()) || a.dataType() != b.dataType()) {
                mismatches.add(name + " is " + a.dataType() + " " + Arrays.toString(a.shape()) + " against " + b.dataType()
                        + " " + Arrays.toString(b.shape()));
            } else {
                double[] va = values(a);
                double[] vb = values(b);
                differences.put(name, relativeDifference(va, vb));
                if (Arrays.equals(va, vb)) {
                    bitwise.add(name);
                }
            }
        });
        others.keySet().stream().filter(name -> !tensors.containsKey(name)).forEach(name -> mismatches.add(name
                + " is only in the second"));
        return new CheckpointComparison(checkpoint.position(), other.position(), differences, bitwise, mismatches);
    }

    /** {@return whether both hold the same position and tensors, every one equal bit for bit} */
    public boolean bitwise() {
        return comparable() && bitwiseEqual.size() == differences.size();
    }

    /**
     * @param tolerance the largest relative difference a tensor may have
     * @return whether both hold the same position and tensors, every one within {@code tolerance}
     */
    public boolean equalWithin(double tolerance) {
        return comparable() && largestDifference() <= tolerance;
    }

    /** {@return the largest relative difference of a tensor, 0 if there is none} */
    public double largestDifference() {
        return differences.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /**
     * @param tolerance the largest relative difference a tensor may have
     * @return one line: {@code equal: ...} or {@code different: ...}, naming the largest difference or what differs
     */
    public String verdict(double tolerance) {
        if (!position.equals(otherPosition)) {
            return "different: the first is at " + describe(position) + ", the second at " + describe(otherPosition);
        }
        if (!mismatches.isEmpty()) {
            return "different: " + String.join("; ", mismatches);
        }
        if (bitwise()) {
            return String.format(Locale.ROOT, "equal: all %d tensors bit for bit", differences.size());
        }
        String largest = largestTensor();
        if (equalWithin(tolerance)) {
            return String.format(Locale.ROOT, "equal within %.0e relative: %d of %d tensors bit for bit, the largest difference"
                    + " %.2e (%s)", tolerance, bitwiseEqual.size(), differences.size(), largestDifference(), largest);
        }
        long beyond = differences.values().stream().filter(d -> d > tolerance).count();
        return String.format(Locale.ROOT, "different: %d of %d tensors beyond %.0e relative, the largest %.2e (%s)", beyond,
                differences.size(), tolerance, largestDifference(), largest);
    }

    /** {@return each component's largest relative difference, by component} */
    public Map<String, Double> largestByComponent() {
        Map<String, Double> largest = new TreeMap<>();
        differences.forEach((name, d) -> largest.merge(name.substring(0, name.indexOf('/')), d, Math::max));
        return largest;
    }

    private boolean comparable() {
        return position.equals(otherPosition) && mismatches.isEmpty();
    }

    private String largestTensor() {
        return differences.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("none");
    }

    private static String describe(TrainingPosition p) {
        return "epoch " + p.epoch() + ", global step " + p.globalStep();
    }

    /** Every tensor, by {@code component/name}, in the checkpoint's order. */
    private static Map<String, INDArray> tensors(Checkpoint checkpoint) {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        checkpoint.components().forEach((component, named) -> named.forEach((name, t) -> tensors.put(component + "/" + name, t)));
        return tensors;
    }

    /** The values as doubles, exact for every floating-point and integer type a checkpoint holds. */
    private static double[] values(INDArray tensor) {
        return tensor.isEmpty() ? new double[0] : tensor.dup('c').data().asDouble();
    }

    private static double relativeDifference(double[] a, double[] b) {
        double difference = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            difference = Math.max(difference, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.max(Math.abs(a[i]), Math.abs(b[i])));
        }
        return scale == 0 ? difference : difference / scale;
    }

    /** The main class: compares two checkpoint files (or directories holding {@code latest.zip}). */
    @Command(name = "checkpoint-comparison", mixinStandardHelpOptions = true,
            description = "Compares two checkpoints tensor by tensor: equal (exit 0) or different (exit 1).",
            footer = {"", "A tensor's difference is max |a - b| / max(max |a|, max |b|). The last line is the verdict."})
    static final class Main implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A checkpoint file, or a directory holding latest.zip.")
        Path first;

        @Parameters(index = "1", paramLabel = "OTHER", description = "The checkpoint to compare it with.")
        Path second;

        @Option(names = "--tolerance", defaultValue = "1e-5", paramLabel = "R",
                description = "The largest relative difference of a tensor (default: ${DEFAULT-VALUE}).")
        double tolerance;

        @Override
        public Integer call() {
            StoredCheckpoint a = CheckpointDirectory.open(first);
            StoredCheckpoint b = CheckpointDirectory.open(second);
            CheckpointComparison comparison = of(a.checkpoint(), b.checkpoint());
            System.out.println(a.file() + ": " + describe(comparison.position()));
            System.out.println(b.file() + ": " + describe(comparison.otherPosition()));
            comparison.largestByComponent().forEach((component, d) -> System.out.printf(Locale.ROOT,
                    "  %s: largest relative difference %.2e%n", component, d));
            System.out.println(comparison.verdict(tolerance));
            return comparison.equalWithin(tolerance) ? 0 : 1;
        }
    }

    /**
     * @param args two checkpoints, and {@code --tolerance R} (default 1e-5)
     */
    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println(line.getCommandName() + ": error: " + e.getMessage());
            return 2;
        });
        System.exit(cli.execute(args));
    }
}
