package dev.moco.dict.membank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.testing.TinyEncoder;
import dev.moco.core.run.Pretraining;
import dev.moco.core.run.TrainingImages;
import dev.moco.core.testing.TrainedState;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The memory bank over two workers is the bank of one process: each replica draws the
 * negatives outside the whole global batch and writes all N rows of it, in global order.
 */
class DataParallelMemoryBankTest {

    private static final TrainingImages IMAGES = images();

    private static TrainingImages images() {
        SplittableRandom random = new SplittableRandom(3);
        return TrainingImages.of(IntStream.range(0, 32)
                .mapToObj(i -> Nd4j.create(random.doubles(64).toArray(), new long[] {1, 8, 8}, DataType.FLOAT))
                .iterator());
    }

    /** 2 epochs of 4 steps of N = 8 over a bank of 32 rows, K = 12. */
    private static Pretraining.Builder tiny(String init) {
        return Pretraining.preset("moco-v1").dictionary(MemoryBankProvider.NAME).negatives(12)
                .set(MemoryBankProvider.INIT, init).set("feature.dim", "3").set("batch.size", "8")
                .set("query.bn-groups", "2").set("image.size", "8")
                .encoder(new TinyEncoder(64, 8, 3, 1, DataType.FLOAT))
                .data(IMAGES).epochs(2);
    }

    @ParameterizedTest(name = "memory-bank.init={0}")
    @ValueSource(strings = {"random", "encoder"})
    void twoWorkersHoldTheBankAndTheEncoderOfOneProcess(String init) {
        TrainedState single = TrainedState.train(tiny(init));
        List<TrainedState> replicas = TrainedState.trainOnThreads(2, collective -> tiny(init));

        double tensors = replicas.get(0).maxRelativeDifference(single);
        double losses = replicas.get(0).maxLossDifference(single);
        System.out.printf("memory bank (init %s), W = 2 against one process: max relative difference of a tensor %.2e,"
                + " of a step's loss %.2e%n", init, tensors, losses);
        assertThat(tensors).isLessThan(1e-5);
        assertThat(losses).isLessThan(1e-5);
        assertThat(replicas.get(1).bitwiseEquals(replicas.get(0))).as("the two replicas, bit for bit").isTrue();
    }
}
