package dev.moco.spark;

import dev.moco.api.Encoder;
import dev.moco.bench.experiment.Provenance;
import dev.moco.encoders.EncoderImplementation;
import dev.moco.encoders.EncoderSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How fast XGBoost4J's ring all-reduce sums MoCo's gradients between W workers of a Spark
 * barrier stage, and whether ND4J and oneDNN still compute the same bits beside it: the engine
 * spike of the distributed-pretraining issue. Prints a table and appends it to a CSV.
 *
 * <pre>
 * java --add-opens=... -cp ... dev.moco.spark.AllReduceBenchmark --workers 2 --repeats 9
 * spark-submit --class dev.moco.spark.AllReduceBenchmark moco-spark-0.1.0-SNAPSHOT-all.jar --workers 2
 * </pre>
 */
@Command(name = "allreduce-benchmark", mixinStandardHelpOptions = true,
        description = "Times XGBoost4J's ring all-reduce of ResNet gradient sizes between W Spark barrier tasks.")
public final class AllReduceBenchmark implements Callable<Integer> {

    /** The gradients timed by default: the encoders the MoCo runs here train, MoCo v2's MLP head included. */
    static final List<EncoderSpec> DEFAULT_ENCODERS = List.of(
            EngineFingerprint.SPEC,
            EncoderSpec.of("resnet18"),
            EncoderSpec.of("resnet50"));

    static final String CSV_HEADER = "run_utc,cpu,master,workers,payload,elements,bytes,method,repeats,"
            + "median_ms,min_ms,max_ms,bus_gb_per_s";

    @Option(names = "--workers", description = "W, the barrier tasks (default ${DEFAULT-VALUE})")
    int workers = 2;

    @Option(names = "--master", description = "Spark master when spark-submit gave none (default local[W])")
    String master;

    @Option(names = "--repeats", description = "timed calls per size and method, after one warm-up (default ${DEFAULT-VALUE})")
    int repeats = 9;

    @Option(names = "--chunk-mb", split = ",", description = "chunks of the chunked zero-copy method, in MB (default 1,4,16)")
    List<Double> chunkMegabytes = List.of(1.0, 4.0, 16.0);

    @Option(names = "--encoders", split = ",",
            description = "architectures whose gradient sizes to time (default resnet20 at 1 channel, resnet18, resnet50)")
    List<String> encoders;

    @Option(names = "--out", description = "CSV the rows are appended to (default ${DEFAULT-VALUE})")
    Path out = Path.of("results", "allreduce-loopback.csv");

    public static void main(String[] args) {
        System.exit(new CommandLine(new AllReduceBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (workers < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--workers must be at least 1, got " + workers);
        }
        AllReduceWorker.Plan plan = new AllReduceWorker.Plan(payloads(), repeats,
                chunkMegabytes.stream().map(mb -> (int) Math.round(mb * 1e6 / Float.BYTES)).toList());
        SparkConf conf = new SparkConf().setAppName("moco all-reduce benchmark")
                .setIfMissing("spark.master", master != null ? master : "local[" + workers + "]")
                .setIfMissing("spark.ui.enabled", "false");
        List<AllReduceWorker.Report> reports;
        String sparkMaster;
        try (JavaSparkContext context = new JavaSparkContext(conf)) {
            context.setLogLevel("WARN");
            sparkMaster = context.master();
            reports = AllReduceWorker.runOnBarrierStage(context, workers, plan);
        }
        List<Row> rows = rows(reports, plan);
        String cpu = cpuModel();
        System.out.println(describeWorkers(reports));
        System.out.println(table(rows, cpu, sparkMaster, workers));
        appendCsv(out, rows, cpu, sparkMaster, workers);
        System.out.println("appended " + rows.size() + " rows to " + out);
        boolean ok = reports.stream().allMatch(r -> r.wrongSums().isEmpty() && r.enginesUnaffected());
        return ok ? 0 : 1;
    }

    private List<AllReduceWorker.Payload> payloads() {
        List<EncoderSpec> specs = encoders == null ? DEFAULT_ENCODERS
                : encoders.stream().map(a -> a.equalsIgnoreCase("resnet20") ? EngineFingerprint.SPEC : EncoderSpec.of(a)).toList();
        List<AllReduceWorker.Payload> payloads = new ArrayList<>();
        for (EncoderSpec spec : specs) {
            payloads.add(payloadOf(spec));
        }
        return payloads;
    }

    /** The gradient of {@code spec}'s encoder: as many floats as its parameters. */
    static AllReduceWorker.Payload payloadOf(EncoderSpec spec) {
        try (Encoder encoder = EncoderImplementation.choose(spec, "auto").create(spec)) {
            return new AllReduceWorker.Payload(spec.architecture() + " " + spec.inputChannels() + "ch " + spec.head().name().toLowerCase(Locale.ROOT),
                    encoder.parameters().length());
        }
    }

    /**
     * One payload and method over all workers: each call's time on the slowest worker (the
     * calls start together), then the median and range over calls.
     */
    record Row(AllReduceWorker.Payload payload, AllReduceWorker.Variant variant, int repeats, double medianMillis,
            double minMillis, double maxMillis, double busGigabytesPerSecond) {
    }

    static List<Row> rows(List<AllReduceWorker.Report> reports, AllReduceWorker.Plan plan) {
        int world = reports.size();
        List<Row> rows = new ArrayList<>();
        int entries = reports.get(0).timings().size();
        for (int k = 0; k < entries; k++) {
            AllReduceWorker.Timing first = reports.get(0).timings().get(k);
            double[] slowest = new double[plan.repeats()];
            for (AllReduceWorker.Report report : reports) {
                double[] millis = report.timings().get(k).millis();
                for (int rep = 0; rep < slowest.length; rep++) {
                    slowest[rep] = Math.max(slowest[rep], millis[rep]);
                }
            }
            double[] sorted = slowest.clone();
            Arrays.sort(sorted);
            double median = median(sorted);
            // ring all-reduce moves 2(W−1)/W of the buffer through each link (NCCL's "bus bandwidth")
            double bus = first.variant().method() == AllReduceWorker.Method.PUBLIC_API_COPY_ONLY || world < 2 ? Double.NaN
                    : 2.0 * (world - 1) / world * first.payload().bytes() / (median / 1e3) / 1e9;
            rows.add(new Row(first.payload(), first.variant(), plan.repeats(), median, sorted[0], sorted[sorted.length - 1], bus));
        }
        return rows;
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static String describeWorkers(List<AllReduceWorker.Report> reports) {
        StringBuilder s = new StringBuilder();
        for (AllReduceWorker.Report r : reports) {
            s.append(String.format(Locale.ROOT,
                    "worker %d of %d: %s; ND4J matmul and %s forward %s after joining; barrier() %.0f ms, join %.0f ms; %s%n",
                    r.rank(), r.worldSize(), r.before().encoder(), r.before().encoder(),
                    r.enginesUnaffected() ? "bitwise identical" : "DIFFERENT", r.barrierMillis(), r.joinMillis(),
                    r.wrongSums().isEmpty() ? "every sum exact" : "wrong sums: " + r.wrongSums()));
        }
        return s.toString();
    }

    static String table(List<Row> rows, String cpu, String master, int workers) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "all-reduce (sum, float32) on %s, W = %d, %s; per call, slowest worker%n", master, workers, cpu));
        s.append(String.format(Locale.ROOT, "%-22s %9s %-28s %10s %19s %8s%n", "payload", "MB", "method", "median ms", "range ms", "bus GB/s"));
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "%-22s %9.1f %-28s %10.1f %19s %8s%n", r.payload().name(), r.payload().bytes() / 1e6,
                    r.variant().label(), r.medianMillis(), String.format(Locale.ROOT, "%.1f–%.1f", r.minMillis(), r.maxMillis()),
                    Double.isNaN(r.busGigabytesPerSecond()) ? "" : String.format(Locale.ROOT, "%.2f", r.busGigabytesPerSecond())));
        }
        return s.toString();
    }

    static void appendCsv(Path file, List<Row> rows, String cpu, String master, int workers) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        StringBuilder s = new StringBuilder();
        if (!Files.exists(file)) {
            s.append(CSV_HEADER).append('\n');
        } else {
            String header = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
            if (!header.equals(CSV_HEADER)) {
                throw new IOException(file + " has the header '" + header + "', not this benchmark's '" + CSV_HEADER
                        + "'; move it away or choose another --out");
            }
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        for (Row r : rows) {
            s.append(String.join(",", now, quoted(cpu), quoted(master), Integer.toString(workers), quoted(r.payload().name()),
                    Long.toString(r.payload().elements()), Long.toString(r.payload().bytes()), quoted(r.variant().label()),
                    Integer.toString(r.repeats()), fixed(r.medianMillis()), fixed(r.minMillis()), fixed(r.maxMillis()),
                    Double.isNaN(r.busGigabytesPerSecond()) ? "" : fixed(r.busGigabytesPerSecond()))).append('\n');
        }
        Files.writeString(file, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String quoted(String v) {
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    /** This machine's CPU as every results file names it ({@link Provenance#cpu}), with its core count. */
    static String cpuModel() {
        return Provenance.current().cpu() + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }
}
