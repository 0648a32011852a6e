package dev.moco.dict.queue;

import dev.moco.core.run.TrainingPosition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.Batch;
import dev.moco.core.MocoTrainer;
import dev.moco.core.StepResult;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.optim.SgdMomentum;
import dev.moco.api.testing.TinyEncoder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A whole MoCo pretraining run in miniature: 64 random 6x6 "images", two noisy views of
 * each, the queue dictionary with a momentum key encoder and shuffle BN. Once the queue
 * holds real keys (after the first epoch), the InfoNCE loss must fall.
 */
class TinyPretrainingTest {

    @Test
    void infoNceLossFallsWithTheQueueInUse() {
        int samples = 64;
        int batchSize = 16;
        SplittableRandom random = new SplittableRandom(42);
        Nd4j.getRandom().setSeed(42);
        INDArray images = Nd4j.rand(DataType.FLOAT, samples, 1, 6, 6);

        TinyEncoder encoder = new TinyEncoder(36, 32, 16, 7, DataType.FLOAT);
        QueueDictionary queue = new QueueDictionary(encoder, 48, 0.99, 2, 1);
        Optimizer sgd = new Optimizer(new SgdMomentum(0.05, 0.9, null), 1e-4, encoder.parameters(), encoder.gradients());
        MocoTrainer trainer = new MocoTrainer(encoder, queue, new InfoNceLoss(0.2), sgd);
        long stepsPerEpoch = samples / batchSize;

        double firstEpoch = 0;    // the first with a queue of real keys
        double lastEpochs = 0;    // mean of the last five
        int epochs = 30;
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            double sum = 0;
            for (int b = 0; b < samples / batchSize; b++) {
                long[] indices = new long[batchSize];
                int[] rows = new int[batchSize];
                for (int i = 0; i < batchSize; i++) {
                    rows[i] = random.nextInt(samples);
                    indices[i] = rows[i];
                }
                INDArray chosen = Nd4j.pullRows(images.reshape(samples, 36), 1, rows).reshape(batchSize, 1, 6, 6);
                INDArray xq = chosen.add(Nd4j.randn(DataType.FLOAT, batchSize, 1, 6, 6).muli(0.1));
                INDArray xk = chosen.add(Nd4j.randn(DataType.FLOAT, batchSize, 1, 6, 6).muli(0.1));
                StepResult r = trainer.step(new Batch(xq, xk, indices, step),
                        new TrainingPosition(epoch, b, step, stepsPerEpoch));
                step++;
                sum += r.loss();
            }
            double mean = sum / (samples / batchSize);
            if (epoch == 1) {
                firstEpoch = mean;
            }
            if (epoch >= epochs - 5) {
                lastEpochs += mean / 5;
            }
        }
        // seen: 2.26 in epoch 1, 1.33 over the last five
        assertThat(lastEpochs).isLessThan(firstEpoch * 0.75);
    }
}
