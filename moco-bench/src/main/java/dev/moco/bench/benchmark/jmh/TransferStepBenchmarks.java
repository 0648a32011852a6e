package dev.moco.bench.benchmark.jmh;

import dev.moco.bench.cli.data.CanvasSource;
import dev.moco.bench.cli.transfer.TransferOptions;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.PretrainedEncoder;
import dev.moco.downstream.canvas.Canvas;
import dev.moco.downstream.canvas.CanvasSet;
import dev.moco.downstream.canvas.CanvasSpec;
import dev.moco.downstream.transfer.DetectionTask;
import dev.moco.downstream.transfer.FineTuneSettings;
import dev.moco.downstream.transfer.FineTuning;
import dev.moco.downstream.transfer.SegmentationTask;
import dev.moco.encoders.EncoderSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * JMH benchmark of one fine-tuning step of dense transfer ({@link FineTuning#step}: backbone
 * forward to the stage maps, the task's head, its loss, backward through head and backbone,
 * SGD on both): ResNet-20 on the fast path from a random init, one batch of
 * {@value #BATCH} canvases of {@value #SIZE}×{@value #SIZE} generated from the Fashion-MNIST
 * files in {@code data}, with the transfer commands' default head width, SGD momentum and weight
 * decay ({@link TransferOptions#DEFAULT_HEAD_WIDTH} and the two beside it).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class TransferStepBenchmarks {

    static final int BATCH = 16;
    static final int SIZE = 64;

    @Param({"segment", "detect"})
    public String task;

    @Param({"/usr/share/datasets/fashion-mnist"})
    public String data;

    FineTuning tuning;
    PretrainedEncoder encoder;
    List<Canvas> batch;
    int iteration;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        CanvasSet set = CanvasSource.open(Path.of(data), CanvasSpec.of(SIZE, BATCH, 1, 0));
        encoder = PretrainedEncoder.random(EncoderSpec.of("resnet20").withInputChannels(1), "fast");
        FineTuneSettings settings = new FineTuneSettings(1, BATCH, 0.001, TransferOptions.DEFAULT_MOMENTUM,
                TransferOptions.DEFAULT_WEIGHT_DECAY, TransferOptions.DEFAULT_HEAD_WIDTH, 0);
        tuning = new FineTuning(encoder.featureMapEncoder(), task.equals("detect") ? new DetectionTask() : new SegmentationTask(),
                settings, Normalize.FASHION_MNIST);
        batch = set.train();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        tuning.close();
        encoder.encoder().close();
    }

    @Benchmark
    public double trainingStep() {
        return tuning.step(batch, iteration++, 0);
    }
}
