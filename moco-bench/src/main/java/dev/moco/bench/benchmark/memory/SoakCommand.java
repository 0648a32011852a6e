package dev.moco.bench.benchmark.memory;

import dev.moco.bench.cli.pretrain.MonitoredPretraining;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.run.TrainingImages;
import dev.moco.core.wiring.DictionaryRegistry;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code moco bench soak}: pretraining as {@code moco pretrain} runs it (full data set, kNN
 * monitor every epoch, checkpoints every few hundred steps) for a fixed time, with the resident
 * set sampled from {@code /proc/self/status} every few seconds. Nothing forces a garbage
 * collection. It shows whether a long JVM's memory stays flat.
 *
 * <p>Writes {@code <out>/rss.csv} (a row per sample, flushed as it goes), {@code rss.png}
 * (redrawn every minute) and {@code summary.txt}; the run itself goes to {@code <out>/run}.
 * The last line printed is {@code slope: <MiB per minute after warm-up> MiB/min}.
 *
 * <pre>
 * ./moco bench soak --minutes 60 --out results/soak
 * </pre>
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Pretrains for a fixed time with RSS sampled every few seconds; reports RSS at 5 minutes, at the end and its slope.",
        sortOptions = false)
public final class SoakCommand implements Callable<Integer> {

    private static final double MIB = 1024.0 * 1024.0;

    @Option(names = "--minutes", required = true, paramLabel = "M", description = "How long to train.")
    double minutes;

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Training images (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--out", defaultValue = "results/soak", paramLabel = "DIR", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--encoder", defaultValue = "resnet20", paramLabel = "NAME", description = "Encoder (default: ${DEFAULT-VALUE}).")
    String encoder;

    @Option(names = "--batch", defaultValue = "256", paramLabel = "N", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--queue-size", defaultValue = "4096", paramLabel = "K", description = "Queue size (default: ${DEFAULT-VALUE}).")
    int queueSize;

    @Option(names = "--checkpoint-every", defaultValue = "300", paramLabel = "STEPS",
            description = "Checkpoint every STEPS steps, besides every epoch end (default: ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--sample-seconds", defaultValue = "10", paramLabel = "S", description = "Seconds between RSS samples (default: ${DEFAULT-VALUE}).")
    int sampleSeconds;

    @Option(names = "--warmup-minutes", defaultValue = "5", paramLabel = "W",
            description = "Samples before this are left out of the slope (default: ${DEFAULT-VALUE}).")
    double warmupMinutes;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Overrides a configuration key (repeatable).")
    List<String> settings = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One RSS sample. */
    record Sample(double seconds, long rss, long peak, long heapUsed, long collections) {}

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0) || sampleSeconds < 1 || warmupMinutes < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--minutes must be positive, --sample-seconds at least 1 and --warmup-minutes 0 or more");
        }
        PrintStream log = System.out;
        MocoConfig config = MocoConfig.builder(DictionaryRegistry.discover().settings()).preset("moco-v2")
                .set(MocoConfig.DICTIONARY, "queue")
                .set(MocoConfig.ENCODER, encoder)
                .set(MocoConfig.BATCH_SIZE, Integer.toString(batch))
                .set(MocoConfig.EPOCHS, "100000")          // ended by the clock, not by the epochs
                .set("queue.size", Integer.toString(queueSize))
                .set(settings)
                .build();
        TrainingImages images = TrainingImages.open(data, "train", config.getInt(MocoConfig.IMAGE_SIZE));
        ImageDataset dataset = images.dataset();
        int heldOut = Math.min(2_000, dataset.size() / 10);
        Files.createDirectories(out);
        MonitoredPretraining session = new MonitoredPretraining(new MonitoredPretraining.Options(config, dataset, images.toString(),
                heldOut, 10_000, 200, 0.1, out.resolve("run"), true, null, checkpointEvery, 2, false,
                "soak: MoCo v2, " + encoder + ", queue K=" + queueSize));

        AtomicReference<Throwable> failure = new AtomicReference<>();
        PrintStream quiet = new PrintStream(Files.newOutputStream(out.resolve("run.log")), true, StandardCharsets.UTF_8);
        Thread training = new Thread(() -> {
            try {
                session.run(quiet, quiet);
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "moco-soak-training");
        training.setDaemon(true);      // the clock ends the run: the JVM exits with the training thread in it

        Path csv = out.resolve("rss.csv");
        Path png = out.resolve("rss.png");
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        log.printf(Locale.ROOT, "soak: %s, batch %d, K=%d, %s, %.0f minutes; RSS every %d s to %s%n", encoder, batch,
                queueSize, images, minutes, sampleSeconds, csv);
        log.flush();
        training.start();
        try (PrintWriter rows = new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.UTF_8))) {
            rows.println("seconds,rss_mib,peak_rss_mib,heap_used_mib,gc_count");
            long next = start;
            long nextChart = start + 60_000_000_000L;
            while (true) {
                Runtime rt = Runtime.getRuntime();
                Sample s = new Sample((System.nanoTime() - start) / 1e9, ResidentMemory.currentBytes(),
                        ResidentMemory.peakBytes(), rt.totalMemory() - rt.freeMemory(), ResidentMemory.collections());
                samples.add(s);
                rows.printf(Locale.ROOT, "%.1f,%.1f,%.1f,%.1f,%d%n", s.seconds(), s.rss() / MIB, s.peak() / MIB,
                        s.heapUsed() / MIB, s.collections());
                rows.flush();
                long now = System.nanoTime();
                if (now >= nextChart) {
                    chart(samples, png);
                    nextChart += 60_000_000_000L;
                }
                if (failure.get() != null || !training.isAlive() || now >= end) {
                    break;
                }
                next += sampleSeconds * 1_000_000_000L;
                Thread.sleep(Math.max(0, Math.min(next, end) - System.nanoTime()) / 1_000_000L);
            }
        }
        chart(samples, png);
        Summary summary = Summary.of(samples, warmupMinutes * 60);
        String text = summary.describe(minutes) + (failure.get() != null ? "training failed: " + failure.get() + "\n" : "");
        Files.writeString(out.resolve("summary.txt"), text, StandardCharsets.UTF_8);
        log.print(text);
        log.printf(Locale.ROOT, "csv: %s%nchart: %s%nslope: %.3f MiB/min%n", csv, png, summary.slopeMibPerMinute());
        log.flush();
        if (failure.get() != null) {
            failure.get().printStackTrace();
            return 1;
        }
        return 0;
    }

    /** RSS at 5 minutes and at the end, the peak, and the least-squares slope after warm-up. */
    record Summary(double rssAt5Minutes, double rssAtEnd, double peak, double slopeMibPerMinute, double endSeconds,
            long collections) {
        static Summary of(List<Sample> samples, double warmupSeconds) {
            Sample last = samples.get(samples.size() - 1);
            double at5 = Double.NaN;
            for (Sample s : samples) {
                if (s.seconds() >= 300) {
                    at5 = s.rss() / MIB;
                    break;
                }
            }
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            int n = 0;
            for (Sample s : samples) {
                if (s.seconds() >= warmupSeconds) {
                    double x = s.seconds() / 60;
                    double y = s.rss() / MIB;
                    sx += x;
                    sy += y;
                    sxx += x * x;
                    sxy += x * y;
                    n++;
                }
            }
            double slope = n < 2 ? Double.NaN : (n * sxy - sx * sy) / (n * sxx - sx * sx);
            return new Summary(at5, last.rss() / MIB, last.peak() / MIB, slope, last.seconds(), last.collections());
        }

        String describe(double minutes) {
            return String.format(Locale.ROOT, "RSS at 5 min: %.0f MiB%nRSS at end (%.1f min): %.0f MiB%npeak RSS: %.0f MiB%n"
                    + "garbage collections (none forced): %d%n", rssAt5Minutes, endSeconds / 60, rssAtEnd, peak, collections);
        }
    }

    static void chart(List<Sample> samples, Path png) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(540).title("soak: resident memory of one pretraining JVM")
                .xAxisTitle("minutes").yAxisTitle("MiB").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSE);
        chart.getStyler().setYAxisMin(0.0);
        double[] x = samples.stream().mapToDouble(s -> s.seconds() / 60).toArray();
        add(chart, "RSS (VmRSS)", x, samples.stream().mapToDouble(s -> s.rss() / MIB).toArray(), new Color(0x1f77b4));
        add(chart, "Java heap used", x, samples.stream().mapToDouble(s -> s.heapUsed() / MIB).toArray(), new Color(0xff7f0e));
        try {
            Path absolute = png.toAbsolutePath();
            Path tmp = Files.createTempFile(absolute.getParent(), ".chart", ".png");
            try {
                BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chart " + png, e);
        }
    }

    private static void add(XYChart chart, String name, double[] x, double[] y, Color color) {
        XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(SeriesMarkers.NONE);
        series.setLineColor(color);
    }
}
