package dev.moco.bench.benchmark.loader;

import dev.moco.core.data.ImageFile;
import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;
import dev.moco.core.data.TwoViewBatchLoader;
import dev.moco.core.data.augment.Augmentation;
import dev.moco.core.data.augment.AugmentationPipeline;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.ImageBuffer;
import dev.moco.core.data.augment.Normalize;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How fast the input pipeline makes MoCo's two views (x_q, x_k) of random in-memory 8-bit
 * images, on its own (the consumer only takes the batches), so that it can be set against the
 * training step's img/s at the same size:
 * <ol>
 *   <li>one thread running the augmentation pipeline, with the time of each of its steps;</li>
 *   <li>the whole {@link TwoViewBatchLoader} (two views per image, the INDArrays included)
 *       with each worker count, and the CPU time its workers spend per image.</li>
 * </ol>
 *
 * <pre>{@code
 * LoaderBenchmark.Result r = LoaderBenchmark.run(LoaderBenchmark.Options.defaults(), new PrintWriter(System.out, true));
 * }</pre>
 */
public final class LoaderBenchmark {

    /** Memory for the per-view buffers of the step-by-step breakdown (about a core's L2 cache). */
    static final long CACHE_BUDGET_BYTES = 1L << 20;

    private LoaderBenchmark() {}

    /**
     * One measured configuration: views of {@code view} in batches of {@code batch} images.
     * Written {@code CxHxW:N}, e.g. {@code 3x224x224:32}.
     */
    public record Row(ImageShape view, int batch) {
        public Row {
            Objects.requireNonNull(view, "view");
            if (batch < 1) {
                throw new IllegalArgumentException("batch size must be positive, got " + batch);
            }
        }

        /** Parses {@code CxHxW:N}. */
        public static Row parse(String text) {
            String[] parts = text.trim().split(":");
            String[] dims = parts[0].split("x");
            try {
                if (parts.length != 2 || dims.length != 3) {
                    throw new NumberFormatException();
                }
                int height = Integer.parseInt(dims[1]);
                int width = Integer.parseInt(dims[2]);
                if (height > 0 && width > 0) {
                    ImageFile.requireWithin("the view of row '" + text + "'", height, width, ImageFile.maxPixels());
                }
                return new Row(new ImageShape(Integer.parseInt(dims[0]), height, width), Integer.parseInt(parts[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a row is CHANNELSxHEIGHTxWIDTH:BATCH, e.g. 3x224x224:32; got '"
                        + text + "'");
            }
        }

        @Override
        public String toString() {
            return view + ":" + batch;
        }
    }

    /**
     * What to run.
     *
     * @param rows the view shapes and batch sizes
     * @param workers the worker counts to measure the loader with
     * @param sourceSize height and width of the stored images, or 0 for the view's own size
     * @param seconds measuring time per configuration (wall time), after {@code warmupSeconds}
     *     of CPU time (of the pipeline's thread, or of the loader's workers together)
     */
    public record Options(List<Row> rows, List<Integer> workers, AugmentationPreset preset, int sourceSize,
                          int images, double seconds, double warmupSeconds, long seed) {
        public Options {
            rows = List.copyOf(rows);
            workers = List.copyOf(workers);
            Objects.requireNonNull(preset, "preset");
            if (sourceSize > 0) {
                ImageFile.requireWithin("the stored images of source size " + sourceSize, sourceSize, sourceSize,
                        ImageFile.maxPixels());
            }
            if (rows.isEmpty() || workers.isEmpty() || workers.stream().anyMatch(w -> w < 1) || sourceSize < 0
                    || images < 1 || !(seconds > 0) || !(warmupSeconds >= 0)) {
                throw new IllegalArgumentException("need at least one row and one worker count, worker counts >= 1,"
                        + " source size >= 0, images >= 1, seconds > 0 and warm-up >= 0; got rows " + rows
                        + ", workers " + workers + ", source size " + sourceSize + ", images " + images
                        + ", seconds " + seconds + ", warm-up " + warmupSeconds);
            }
            for (Row row : rows) {
                long perImage = (long) row.view().channels() * (sourceSize > 0 ? (long) sourceSize * sourceSize
                        : (long) row.view().height() * row.view().width());
                if (images * perImage > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(images + " images of row " + row + " need " + images * perImage
                            + " bytes, more than one array holds; use fewer --images or smaller views");
                }
            }
        }

        /** The sizes of the training-step benchmark rows: 1x28x28 N=256, 3x64x64 N=128, 3x224x224 N=32. */
        public static Options defaults() {
            return new Options(List.of(Row.parse("1x28x28:256"), Row.parse("3x64x64:128"), Row.parse("3x224x224:32")),
                    List.of(1, 2), AugmentationPreset.V2, 0, 512, 3, 2, 42L);
        }
    }

    /** CPU microseconds per view spent in one step of the pipeline (one thread). */
    public record StepTime(String step, double microsPerView) {}

    /** One thread running the pipeline of {@code row}: views per CPU second and each step's share. */
    public record PipelineResult(Row row, ImageShape source, double viewsPerCpuSecond, List<StepTime> steps) {}

    /**
     * The loader of {@code row} with {@code workers} threads.
     *
     * @param workerCoreMillisPerImage CPU time of the worker threads per image (two views)
     */
    public record LoaderResult(Row row, int workers, double imagesPerSecond, double millisPerBatch,
                               double workerCoreMillisPerImage) {}

    public record Result(Options options, List<PipelineResult> pipelines, List<LoaderResult> loaders) {}

    public static Result run(Options o, PrintWriter log) {
        List<PipelineResult> pipelines = new ArrayList<>();
        List<LoaderResult> loaders = new ArrayList<>();
        for (Row row : o.rows()) {
            ImageShape view = row.view();
            ImageShape source = o.sourceSize() == 0 ? view
                    : new ImageShape(view.channels(), o.sourceSize(), o.sourceSize());
            RandomImages data = new RandomImages(source, o.images(), o.seed());
            AugmentationPipeline pipeline = o.preset().pipeline(source, view.height(), view.width(),
                    view.channels() == 3 ? Normalize.IMAGENET : Normalize.IDENTITY);
            log.printf(Locale.ROOT, "%s: %s%n", row, pipeline);
            log.flush();
            pipelines.add(measurePipeline(row, data, pipeline, o));
            for (int workers : o.workers()) {
                loaders.add(measureLoader(row, data, pipeline, workers, o));
                log.printf(Locale.ROOT, "  loader, %d worker(s): %.1f img/s%n", workers,
                        loaders.get(loaders.size() - 1).imagesPerSecond());
                log.flush();
            }
        }
        return new Result(o, pipelines, loaders);
    }

    /**
     * Runs the pipeline on one thread for the measuring time, once through
     * {@link AugmentationPipeline#apply} for the rate and once step by step for the breakdown:
     * each step over a group of views (each view with its own buffer and generator), so that
     * the thread's CPU time can be read per step and group rather than per view, the group
     * small enough for its buffers to stay in cache as one view's do. CPU time leaves out the
     * time the thread waited for a core, which wall time on a busy machine does not.
     */
    private static PipelineResult measurePipeline(Row row, RandomImages data, AugmentationPipeline pipeline,
            Options o) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        ImageBuffer buffer = new ImageBuffer();
        SplitMix64 random = new SplitMix64(0);
        float[] source = new float[data.shape().length()];
        float[] views = new float[row.batch() * row.view().length()];
        // warm up for CPU time, not wall time: on a busy machine a second of wall time may be
        // too little work for the JIT to have compiled the pipeline
        long warmupEnd = threads.getCurrentThreadCpuTime() + (long) (o.warmupSeconds() * 1e9);
        int index = 0;
        while (threads.getCurrentThreadCpuTime() < warmupEnd) {
            index = augmentBatch(data, pipeline, buffer, random, source, views, row.batch(), index, o.seed());
        }
        long cpuStart = threads.getCurrentThreadCpuTime();
        long end = System.nanoTime() + (long) (o.seconds() * 1e9 / 2);
        long made = 0;
        while (System.nanoTime() < end) {
            index = augmentBatch(data, pipeline, buffer, random, source, views, row.batch(), index, o.seed());
            made += row.batch();
        }
        double viewsPerCpuSecond = made / ((threads.getCurrentThreadCpuTime() - cpuStart) / 1e9);

        List<Augmentation> steps = pipeline.steps();
        int group = viewsPerGroup(data.shape(), row.view(), row.batch());
        ImageBuffer[] buffers = new ImageBuffer[group];
        SplitMix64[] randoms = new SplitMix64[group];
        for (int i = 0; i < group; i++) {
            buffers[i] = new ImageBuffer();
            randoms[i] = new SplitMix64(0);
        }
        long[] nanos = new long[steps.size() + 1];
        long timed = 0;
        end = System.nanoTime() + (long) (o.seconds() * 1e9 / 2);
        for (int pass = 0; pass < 2 || System.nanoTime() < end; pass++) {
            boolean measured = pass > 0; // the first group warms the per-view buffers up
            long t0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < group; i++, index++) {
                data.readImage(index % data.size(), source, 0);
                randoms[i].reseed(SplitMix64.derive(o.seed(), index));
                System.arraycopy(source, 0, buffers[i].reset(data.shape()), 0, source.length);
            }
            long t1 = threads.getCurrentThreadCpuTime();
            if (measured) {
                nanos[0] += t1 - t0;
            }
            for (int s = 0; s < steps.size(); s++) {
                for (int i = 0; i < group; i++) {
                    steps.get(s).apply(buffers[i], randoms[i]);
                }
                long t2 = threads.getCurrentThreadCpuTime();
                if (measured) {
                    nanos[s + 1] += t2 - t1;
                }
                t1 = t2;
            }
            if (measured) {
                timed += group;
            }
        }
        List<StepTime> times = new ArrayList<>();
        times.add(new StepTime("read the image, copy it into the buffer", nanos[0] / 1e3 / timed));
        for (int s = 0; s < steps.size(); s++) {
            times.add(new StepTime(steps.get(s).toString(), nanos[s + 1] / 1e3 / timed));
        }
        return new PipelineResult(row, data.shape(), viewsPerCpuSecond, times);
    }

    /** Views whose two buffers fit in about {@link #CACHE_BUDGET_BYTES}, between 1 and the batch. */
    static int viewsPerGroup(ImageShape source, ImageShape view, int batch) {
        long perView = 2L * Float.BYTES * Math.max(source.length(), view.length());
        return (int) Math.max(1, Math.min(batch, CACHE_BUDGET_BYTES / perView));
    }

    private static int augmentBatch(RandomImages data, AugmentationPipeline pipeline, ImageBuffer buffer,
            SplitMix64 random, float[] source, float[] views, int batch, int index, long seed) {
        int length = pipeline.outputShape().length();
        for (int i = 0; i < batch; i++, index++) {
            data.readImage(index % data.size(), source, 0);
            random.reseed(SplitMix64.derive(seed, index));
            pipeline.apply(source, 0, random, buffer, views, i * length);
        }
        return index;
    }

    private static LoaderResult measureLoader(Row row, RandomImages data, AugmentationPipeline pipeline,
            int workers, Options o) {
        try (TwoViewBatchLoader loader = TwoViewBatchLoader.builder(data, pipeline).batchSize(row.batch())
                .seed(o.seed()).epochs(Integer.MAX_VALUE).workers(workers).build()) {
            long warmupEnd = workerCpuNanos() + (long) (o.warmupSeconds() * 1e9);
            while (workerCpuNanos() < warmupEnd) {
                loader.next();
            }
            long cpu0 = workerCpuNanos();
            long start = System.nanoTime();
            long end = start + (long) (o.seconds() * 1e9);
            int batches = 0;
            while (System.nanoTime() < end) {
                loader.next();
                batches++;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double images = (double) batches * row.batch();
            return new LoaderResult(row, workers, images / seconds, 1e3 * seconds / batches,
                    (workerCpuNanos() - cpu0) / 1e6 / images);
        }
    }

    /** CPU time of all live loader worker threads (those of the loader being measured). */
    private static long workerCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(TwoViewBatchLoader.THREAD_NAME_PREFIX)) {
                sum += Math.max(0, threads.getThreadCpuTime(t.getId()));
            }
        }
        return sum;
    }
}
