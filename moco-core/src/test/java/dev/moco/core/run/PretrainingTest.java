package dev.moco.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.Encoder;
import dev.moco.core.hooks.StepReport;
import dev.moco.core.testing.TinyEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PretrainingTest {

    /** 32 single-channel 8×8 images. */
    private static TrainingImages images() {
        Nd4j.getRandom().setSeed(5);
        List<INDArray> images = IntStream.range(0, 32).mapToObj(i -> Nd4j.rand(DataType.FLOAT, 1, 8, 8)).toList();
        return TrainingImages.of(images.iterator());
    }

    private static Pretraining.Builder tiny(Encoder encoder) {
        return Pretraining.preset("moco-v2")
                .dictionary("fixed")
                .set("feature.dim", "3")
                .set("batch.size", "8")
                .set("shuffle.groups", "2")
                .set("image.size", "8")
                .set("augmentation", "none")
                .encoder(encoder)
                .data(images())
                .epochs(2);
    }

    @Test
    void trainsTheGivenEncoderAndReportsEveryStepAndEpoch() {
        TinyEncoder encoder = new TinyEncoder(64, 8, 3, 1, DataType.FLOAT);
        INDArray before = encoder.parameters().dup();
        List<StepReport> steps = new ArrayList<>();
        PretrainingResult result = tiny(encoder).afterStep(steps::add).run();

        assertThat(result.queryEncoder()).isSameAs(encoder);
        assertThat(encoder.parameters()).isNotEqualTo(before);
        assertThat(steps).hasSize(8);
        assertThat(steps.get(3).position()).satisfies(p -> {
            assertThat(p.epoch()).isZero();
            assertThat(p.stepInEpoch()).isEqualTo(4);
            assertThat(p.globalStep()).isEqualTo(4);
        });
        assertThat(steps.get(3).endsEpoch()).isTrue();
        assertThat(result.epochs()).extracting(e -> e.epoch()).containsExactly(1, 2);
        assertThat(result.end().globalStep()).isEqualTo(8);
        assertThat(result.finalLoss()).isPositive();
    }

    @Test
    void aListenerThatThrowsStopsTheRunNamingIt() {
        List<Long> later = new ArrayList<>();
        Pretraining run = tiny(new TinyEncoder(64, 8, 3, 1, DataType.FLOAT))
                .afterEpoch(epoch -> {
                    throw new IllegalStateException("disk full");
                })
                .afterEpoch(epoch -> later.add(epoch.globalStep()))
                .build();
        assertThatThrownBy(run::run)
                .isInstanceOf(ListenerFailedException.class)
                .hasMessage("the after-epoch listener 1 (lambda in dev.moco.core.run.PretrainingTest) failed after epoch 1"
                        + " (global step 4): IllegalStateException: disk full");
        assertThat(later).as("the listeners after it are not called").isEmpty();
    }

    @Test
    void aDictionaryThatIsNotInstalledIsNamedWithTheInstalledOnes() {
        assertThatThrownBy(() -> Pretraining.preset("moco-v2").dictionary("fixd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no dictionary named 'fixd'; available: fixed");
    }

    @Test
    void anEncoderOfAnotherOutputWidthThanTheFeatureDimensionIsAnErrorAtBuild() {
        assertThatThrownBy(() -> tiny(new TinyEncoder(64, 8, 5, 1, DataType.FLOAT)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the query encoder (TinyEncoder) outputs 5 features but feature.dim is 3;"
                        + " set feature.dim=5 or give the encoder a head of 3 outputs");
    }

    @Test
    void imagesOfMixedSizesOrChannelsAreRejectedNamingTheFirstThatDiffers() {
        List<INDArray> images = List.of(Nd4j.zeros(DataType.FLOAT, 1, 8, 8), Nd4j.zeros(DataType.FLOAT, 1, 8, 8),
                Nd4j.zeros(DataType.FLOAT, 3, 8, 8));
        assertThatThrownBy(() -> TrainingImages.of(images.iterator()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("image 2 is 3x8x8 (channels x height x width) but image 0 is 1x8x8;");
    }

    @Test
    void aRunWithoutAnEncoderSaysWhatIsMissing() {
        assertThatThrownBy(() -> Pretraining.preset("moco-v2").data(images()).build())
                .hasMessageStartingWith("no encoder: call encoder(...)");
    }
}
