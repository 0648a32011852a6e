package dev.moco.bench.benchmark.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.data.ImageShape;
import dev.moco.core.data.augment.AugmentationPreset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Tiny loader-benchmark runs, the random images, and the command's output. */
class LoaderBenchmarkTest {

    @Test
    void measuresThePipelineStepByStepAndTheLoaderPerWorkerCount() {
        LoaderBenchmark.Options o = new LoaderBenchmark.Options(
                List.of(LoaderBenchmark.Row.parse("1x12x12:4"), LoaderBenchmark.Row.parse("3x16x16:2")),
                List.of(1, 2), AugmentationPreset.V2, 0, 16, 0.05, 0, 1L);
        LoaderBenchmark.Result r = LoaderBenchmark.run(o, new PrintWriter(new StringWriter()));
        assertThat(r.pipelines()).hasSize(2);
        LoaderBenchmark.PipelineResult rgb = r.pipelines().get(1);
        assertThat(rgb.viewsPerCpuSecond()).isPositive();
        // the read, then every step of the v2 pipeline in order
        assertThat(rgb.steps()).hasSize(7);
        assertThat(rgb.steps().get(1).step()).startsWith("RandomResizedCrop(16x16");
        assertThat(rgb.steps().get(6).step()).startsWith("Normalize");
        assertThat(rgb.steps()).allSatisfy(s -> assertThat(s.microsPerView()).isNotNegative());
        assertThat(r.loaders()).extracting(LoaderBenchmark.LoaderResult::workers).containsExactly(1, 2, 1, 2);
        assertThat(r.loaders()).allSatisfy(l -> {
            assertThat(l.imagesPerSecond()).isPositive();
            assertThat(l.millisPerBatch()).isPositive();
            assertThat(l.workerCoreMillisPerImage()).isNotNegative();
        });
    }

    @Test
    void aLargerSourceIsCroppedToTheRowsViewSize() {
        LoaderBenchmark.Options o = new LoaderBenchmark.Options(List.of(LoaderBenchmark.Row.parse("3x8x8:2")),
                List.of(1), AugmentationPreset.V2, 20, 4, 0.02, 0, 1L);
        LoaderBenchmark.PipelineResult p = LoaderBenchmark.run(o, new PrintWriter(new StringWriter())).pipelines().get(0);
        assertThat(p.source()).isEqualTo(new ImageShape(3, 20, 20));
        assertThat(p.steps().get(1).step()).startsWith("RandomResizedCrop(8x8");
    }

    @Test
    void theStepBreakdownGroupsViewsToFitInCache() {
        ImageShape small = new ImageShape(1, 28, 28);
        ImageShape large = new ImageShape(3, 224, 224);
        assertThat(LoaderBenchmark.viewsPerGroup(small, small, 256)).isEqualTo(167); // 1 MiB / (2 x 3,136 bytes)
        assertThat(LoaderBenchmark.viewsPerGroup(large, large, 32)).isEqualTo(1);
        assertThat(LoaderBenchmark.viewsPerGroup(small, small, 8)).isEqualTo(8);
    }

    @Test
    void randomImagesAreSmoothPureFunctionsOfTheSeed() {
        ImageShape shape = new ImageShape(3, 32, 32);
        RandomImages a = new RandomImages(shape, 3, 7);
        float[] first = new float[shape.length()];
        float[] again = new float[shape.length()];
        a.readImage(2, first, 0);
        new RandomImages(shape, 3, 7).readImage(2, again, 0);
        assertThat(again).containsExactly(first);
        double step = 0;
        for (int y = 0; y < 32; y++) {
            for (int x = 1; x < 32; x++) {
                assertThat(first[y * 32 + x]).isBetween(0f, 1f);
                step += Math.abs(first[y * 32 + x] - first[y * 32 + x - 1]);
            }
        }
        // neighbours differ by a few levels, far less than white noise's mean step of 1/3
        assertThat(step / (32 * 31)).isLessThan(0.1);
        assertThatThrownBy(() -> a.readImage(3, first, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rowsAreParsedAndBadOnesNamed() {
        assertThat(LoaderBenchmark.Row.parse(" 3x224x224:32 "))
                .isEqualTo(new LoaderBenchmark.Row(new ImageShape(3, 224, 224), 32));
        assertThatThrownBy(() -> LoaderBenchmark.Row.parse("224x224:32"))
                .hasMessageContaining("CHANNELSxHEIGHTxWIDTH:BATCH").hasMessageContaining("'224x224:32'");
        assertThatThrownBy(() -> LoaderBenchmark.Row.parse("3x64x64")).hasMessageContaining("'3x64x64'");
        assertThatThrownBy(() -> LoaderBenchmark.Row.parse("3x64x64:0")).hasMessageContaining("batch size must be positive");
    }

    @Test
    void commandPrintsTheStepTablesAndTheLoaderTable() {
        StringWriter out = new StringWriter();
        int code = new CommandLine(new LoaderCommand()).setOut(new PrintWriter(out, true))
                .execute("--rows", "1x10x10:4", "--workers", "1", "--images", "8", "--seconds", "0.05",
                        "--warmup-seconds", "0");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("pipeline 1x10x10 from 1x10x10 images, one thread:",
                "CPU us/view", "GaussianBlur", "worker CPU ms/img");
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("1x10x10 +4 +1 +\\d+\\.\\d .*"));
        assertThat(new CommandLine(new LoaderCommand()).setErr(new PrintWriter(new StringWriter()))
                .execute("--workers", "0")).isNotZero();
    }
}
