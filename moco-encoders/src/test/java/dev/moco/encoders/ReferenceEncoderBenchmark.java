package dev.moco.encoders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.Encoder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Throughput of the reference ResNet-20 on 1×28×28 images, MoCo-style: per step the query
 * encoder runs forward + backward and the key encoder (its copy) runs forward in training mode
 * with 2 shuffle-BN groups. Run with {@code -Dtests.excluded=integration -Dtest=ReferenceEncoderBenchmark}
 * or {@code java -cp … dev.moco.encoders.ReferenceEncoderBenchmark [batch] [steps]}.
 */
@Tag("benchmark")
class ReferenceEncoderBenchmark {

    @Test
    void resnet20MocoStep() {
        assertThat(run(64, 3)).isPositive();
    }

    static double run(int batch, int steps) {
        ResNetEncoder query = Encoders.create(EncoderSpec.of("resnet20").withInputChannels(1));
        Encoder key = query.copy();
        Nd4j.getRandom().setSeed(1);
        INDArray images = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28);
        INDArray gradient = Nd4j.randn(DataType.FLOAT, batch, query.outputDimension());
        double best = 0;
        for (int step = 0; step <= steps; step++) {   // step 0 warms up
            long t0 = System.nanoTime();
            query.zeroGradients();
            Encoder.Pass q = query.forward(images, Encoder.Mode.TRAINING);
            long t1 = System.nanoTime();
            q.backward(gradient);
            long t2 = System.nanoTime();
            key.forward(images, Encoder.Mode.TRAINING, 2);
            long t3 = System.nanoTime();
            double imagesPerSecond = batch / ((t3 - t0) / 1e9);
            System.out.printf("step %d: query forward %.0f ms, backward %.0f ms, key forward %.0f ms -> %.1f images/s%n",
                    step, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, imagesPerSecond);
            if (step > 0) {
                best = Math.max(best, imagesPerSecond);
            }
        }
        return best;
    }

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf("best %.1f images/s (batch %d)%n", run(batch, steps), batch);
    }
}
