package dev.moco.encoders.fast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import dev.moco.encoders.EncoderSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link FastEncoder#close()} frees its primitives, arenas and vectors. */
class FastEncoderResourcesTest {

    @BeforeAll
    static void oneDnnLoads() {
        Assumptions.assumeTrue(FastEncoder.isAvailable(), FastEncoder::unavailableReason);
    }

    private static long residentBytes() throws IOException {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.trim().split("\\s+")[1]) * 1024L;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** One encoder's life: a training step and an inference pass at two input shapes, then close. */
    private static void liveAndClose(EncoderSpec spec, INDArray x, INDArray y) {
        try (FastEncoder encoder = FastEncoder.create(spec)) {
            encoder.forward(x, Encoder.Mode.TRAINING, 2).backward(Nd4j.ones(DataType.FLOAT, x.size(0), 128));
            encoder.forward(y, Encoder.Mode.INFERENCE);
            assertThat(encoder.arenaBytes()).isPositive();
        }
    }

    @Test
    void closingAnEncoderDestroysEveryPrimitiveAndFreesEveryArena() {
        long primitives = DnnlOp.live();
        long arenas = Arena.liveBytes();
        EncoderSpec spec = EncoderSpec.of("resnet18").withInputChannels(3);
        FastEncoder encoder = FastEncoder.create(spec);
        var pass = encoder.forwardFeatureMaps(Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32), Encoder.Mode.TRAINING, 1);
        pass.backward(null, Nd4j.ones(DataType.FLOAT, 2, 512));
        encoder.forward(Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32), Encoder.Mode.INFERENCE);
        assertThat(DnnlOp.live()).isGreaterThan(primitives + 100);
        assertThat(Arena.liveBytes()).isGreaterThan(arenas);
        encoder.close();
        assertThat(DnnlOp.live()).isEqualTo(primitives);
        assertThat(Arena.liveBytes()).isEqualTo(arenas);
    }

    /** The reordered weights of all convolutions take one buffer, the size of the largest, not one each. */
    @Test
    void theConvolutionsShareOneBufferForTheirReorderedWeights() {
        try (FastEncoder encoder = FastEncoder.create(EncoderSpec.of("resnet18").withInputChannels(3))) {
            encoder.forward(Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32), Encoder.Mode.TRAINING, 1)
                    .backward(Nd4j.ones(DataType.FLOAT, 2, 128));
            long largest = encoder.namedTensors().values().stream().mapToLong(INDArray::length).max().orElseThrow();
            long all = encoder.parameters().length();
            assertThat(encoder.weightScratchBytes()).isPositive()
                    .isLessThanOrEqualTo(Float.BYTES * largest * 5 / 4)
                    .isLessThan(Float.BYTES * all / 4);
        }
    }

    /**
     * After a warm-up (the JIT, the Java heap and malloc's arenas grow during the first few
     * dozen encoders, about 3 MB each, then level off), creating and closing 40 more encoders
     * must leave the resident set where it was, within allocator noise.
     */
    @Test
    void creatingAndClosingManyEncodersDoesNotGrowTheResidentSet() throws IOException {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/status")), "needs /proc");
        EncoderSpec spec = EncoderSpec.of("resnet20").withInputChannels(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 1, 16, 16);
        INDArray y = Nd4j.randn(DataType.FLOAT, 2, 1, 12, 12);
        long primitives = DnnlOp.live();
        for (int i = 0; i < 40; i++) {
            liveAndClose(spec, x, y);
        }
        long before = residentBytes();
        for (int i = 0; i < 40; i++) {
            liveAndClose(spec, x, y);
        }
        long growth = residentBytes() - before;
        assertThat(DnnlOp.live()).isEqualTo(primitives);
        assertThat(growth).as("resident set growth over 40 encoders, bytes").isLessThan(40L << 20);
    }

    @Test
    void aClosedEncoderAndItsLivePassesFailClearly() {
        FastEncoder encoder = FastEncoder.create(EncoderSpec.of("resnet20").withInputChannels(1));
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 1, 8, 8);
        Encoder.Pass pass = encoder.forward(x, Encoder.Mode.TRAINING);
        encoder.close();
        encoder.close();
        assertThatThrownBy(() -> encoder.forward(x, Encoder.Mode.TRAINING)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> pass.backward(Nd4j.ones(DataType.FLOAT, 4, 128))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
