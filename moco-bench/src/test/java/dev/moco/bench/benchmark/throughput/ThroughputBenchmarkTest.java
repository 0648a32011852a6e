package dev.moco.bench.benchmark.throughput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.encoders.EncoderSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Tiny throughput runs (N = 8, K = 32) through the real trainer, and the command's output format. */
class ThroughputBenchmarkTest {

    private static ThroughputBenchmark.Options tiny(String encoder, String dictionary) {
        return new ThroughputBenchmark.Options(encoder, "auto", dictionary, 8, 32, 2, 2, 1, 1, 28, 0.2, 0.999, 3L);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"queue", "memory-bank", "end-to-end"})
    void runsTheFullStepForEveryMechanism(String dictionary) {
        StringWriter log = new StringWriter();
        ThroughputBenchmark.Result r = ThroughputBenchmark.run(tiny("resnet20", dictionary), new PrintWriter(log, true));
        assertThat(r.stepMillis()).hasSize(2).allSatisfy(ms -> assertThat(ms).isPositive());
        assertThat(r.imagesPerSecond()).isEqualTo(8 / (r.medianStepMillis() / 1e3));
        assertThat(r.phaseMillis()).containsKeys("query forward", "loss", "query backward", "dictionary contrast", "step");
        assertThat(r.lastLoss()).isFinite().isPositive();
        assertThat(r.dictionaryShare()).isBetween(0.0, 1.0);
        assertThat(log.toString()).contains("warm-up step 0", "measured step 2");
    }

    @Test
    void theQueueRunTimesTheKeyEncoderSeparately() {
        ThroughputBenchmark.Result r = ThroughputBenchmark.run(tiny("resnet20", "queue"), new PrintWriter(new StringWriter()));
        assertThat(r.phaseMillis()).containsKeys("key forward", "dictionary update");
        assertThat(r.phaseMillis().get("key forward")).isLessThanOrEqualTo(r.phaseMillis().get("dictionary contrast"));
    }

    @Test
    void stepFlopsCountFourConvolutionPassesForTheQueue() {
        ThroughputBenchmark.Options o = ThroughputBenchmark.Options.defaults();
        EncoderSpec spec = ThroughputBenchmark.spec(o);
        double forward = spec.topology().forwardFlops(256, 28, 28);
        // ResNet-20 at 28×28: about 31 M multiply-adds per image in the convolutions, 12 k in the head
        assertThat(forward / 256 / 2).isBetween(28e6, 34e6);
        assertThat(ThroughputBenchmark.stepFlops(o, spec)).isEqualTo(4 * forward + 4.0 * 256 * 128 * 4097);
    }

    @Test
    void commandPrintsTheTableAndEndsWithTheThroughputLine() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ThroughputCommand()).setOut(new PrintWriter(out, true));
        int code = cli.execute("--encoder", "resnet20", "--impl", "reference", "--batch", "4", "--queue-size", "16",
                "--shuffle-groups", "2", "--steps", "1", "--warmup", "0");
        assertThat(code).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("phase (median)"));
        assertThat(lines.get(lines.size() - 1)).matches("throughput: \\d+\\.\\d img/s");
        assertThat(out.toString()).contains("reference (ND4J ops)");
    }

    @Test
    void runsAnImageNetLayoutEncoderOnTheFastPath() {
        ThroughputBenchmark.Result r = ThroughputBenchmark.run(new ThroughputBenchmark.Options("resnet18", "auto", "queue",
                4, 16, 2, 1, 0, 3, 32, 0.2, 0.999, 3L), new PrintWriter(new StringWriter()));
        assertThat(r.encoderDescription()).startsWith("resnet18 fast (oneDNN");
        assertThat(r.lastLoss()).isFinite();
    }

    @Test
    void rejectsInconsistentOptions() {
        assertThatThrownBy(() -> new ThroughputBenchmark.Options("resnet20", "auto", "queue", 10, 0, 2, 1, 0, 1, 28, 0.2, 0.999, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queue size >= 1");
        ThroughputBenchmark.Options groupsThatDoNotDivide = new ThroughputBenchmark.Options("resnet20", "auto", "queue", 10, 32, 4,
                1, 0, 1, 28, 0.2, 0.999, 1);
        assertThatThrownBy(() -> ThroughputBenchmark.run(groupsThatDoNotDivide, new PrintWriter(new StringWriter())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("configuration key 'shuffle.groups' is 4, but must divide batch.size (10)");
        assertThatThrownBy(() -> ThroughputBenchmark.run(tiny("resnet20", "no-such-mechanism"), new PrintWriter(new StringWriter())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no dictionary named");
    }
}
