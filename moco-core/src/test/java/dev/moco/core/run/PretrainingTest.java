package dev.moco.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.moco.api.Encoder;
import dev.moco.api.testing.ThreadCollective;
import dev.moco.api.testing.TinyEncoder;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.testing.TrainedState;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class PretrainingTest {

    @TempDir
    Path dir;

    /** 32 single-channel 8×8 images. */
    private static TrainingImages images() {
        Nd4j.getRandom().setSeed(5);
        List<INDArray> images = IntStream.range(0, 32).mapToObj(i -> Nd4j.rand(DataType.FLOAT, 1, 8, 8)).toList();
        return TrainingImages.of(images.iterator());
    }

    /** {@link #images()}, made once: the workers of a data-parallel test share them, as they read them only. */
    private static final TrainingImages IMAGES = images();

    private static Pretraining.Builder tiny(Encoder encoder) {
        return Pretraining.preset("moco-v2")
                .dictionary("fixed")
                .set("feature.dim", "3")
                .set("batch.size", "8")
                .set("shuffle.groups", "2")
                .set("image.size", "8")
                .set("augmentation", "none")
                .encoder(encoder)
                .data(IMAGES)
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
    void aResumedRunEndsWhereTheUninterruptedOneDoes() {
        TinyEncoder straight = new TinyEncoder(64, 8, 3, 1, DataType.FLOAT);
        tiny(straight).epochs(3).run();

        TinyEncoder first = new TinyEncoder(64, 8, 3, 1, DataType.FLOAT);
        Pretraining interrupted = tiny(first).epochs(3).checkpoints(dir).afterEpoch(epoch -> {
            if (epoch.epoch() == 2) {
                throw new IllegalStateException("power cut");    // before epoch 2's checkpoint
            }
        }).build();
        assertThatThrownBy(interrupted::run).isInstanceOf(ListenerFailedException.class);

        TinyEncoder resumed = new TinyEncoder(64, 8, 3, 99, DataType.FLOAT);   // other initial weights: all restored
        PretrainingResult rest = tiny(resumed).epochs(3).resumeFrom(dir).run();
        assertThat(rest.epochs()).extracting(e -> e.epoch()).containsExactly(2, 3);
        assertThat(resumed.parameters().sub(straight.parameters()).amaxNumber().doubleValue()).isLessThan(1e-6);
    }

    @Test
    void aListenerThatThrowsAfterACheckpointNamesTheCheckpointThatIsKept() {
        Pretraining run = tiny(new TinyEncoder(64, 8, 3, 1, DataType.FLOAT)).checkpoints(dir)
                .afterEpoch(epoch -> {
                    throw new IllegalStateException("disk full");
                })
                .build();
        // the listener runs before the checkpoint of its epoch: after epoch 1 there is none yet
        assertThatThrownBy(run::run).hasMessageNotContaining("is kept");

        Pretraining later = tiny(new TinyEncoder(64, 8, 3, 1, DataType.FLOAT)).checkpoints(dir.resolve("b")).build();
        later.run();
        Pretraining failing = tiny(new TinyEncoder(64, 8, 3, 1, DataType.FLOAT)).epochs(3).resumeFrom(dir.resolve("b"))
                .checkpoints(dir.resolve("b")).afterStep(step -> {
                    throw new IllegalStateException("disk full");
                }).build();
        assertThatThrownBy(failing::run).isInstanceOf(ListenerFailedException.class)
                .hasMessageContaining("after-step listener 1 (lambda in dev.moco.core.run.PretrainingTest) failed after step 9")
                .hasMessageEndingWith("; the last checkpoint, " + dir.resolve("b").resolve("latest.zip") + ", is kept");
    }

    @Test
    void theCheckpointedEncoderGivesTheTrainedEncodersFeatures() {
        TinyEncoder encoder = new TinyEncoder(64, 8, 3, 1, DataType.FLOAT);
        tiny(encoder).checkpoints(dir).run();
        PretrainedEncoder loaded = PretrainedEncoder.load(dir, new TinyEncoder(64, 8, 3, 42, DataType.FLOAT));
        INDArray images = Nd4j.rand(DataType.FLOAT, 5, 1, 8, 8);
        assertThat(loaded.encoder().parameters()).isEqualTo(encoder.parameters());
        assertThat(loaded.features(images).shape()).containsExactly(5, 8);
        assertThatThrownBy(() -> loaded.features(Nd4j.rand(DataType.FLOAT, 5, 1, 9, 9)))
                .hasMessageContaining("image.size=8");
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
    void aRunWithoutAnEncoderTrainsTheConfiguredArchitecture() {
        try (Pretraining run = Pretraining.preset("moco-v2").encoder("resnet20").dictionary("fixed")
                .set("batch.size", "8").set("shuffle.groups", "2").set("image.size", "8").set("feature.dim", "16").set("head.hidden", "16")
                .data(images()).build()) {
            assertThat(run.encoderDescription().properties()).containsEntry("architecture", "resnet20");
            assertThat(run.queryEncoder().outputDimension()).isEqualTo(16);
        }
    }

    @Test
    void aRunWithoutDataSaysWhatIsMissing() {
        assertThatThrownBy(() -> Pretraining.preset("moco-v2").build())
                .hasMessageStartingWith("no training images: call data(");
    }

    @Test
    void kIsSetThroughTheSettingTheDictionaryDeclares() {
        assertThatThrownBy(() -> Pretraining.preset("moco-v2").dictionary("fixed").negatives(64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the fixed dictionary has no K of its own");
    }

    /** {@link #tiny} with {@code query.bn-groups} = 2, which two workers share as one BN group each. */
    private static Pretraining.Builder tinyForTwoWorkers() {
        return tiny(new TinyEncoder(64, 8, 3, 1, DataType.FLOAT)).set("query.bn-groups", "2");
    }

    @Test
    void twoWorkersEndWhereOneProcessDoesAndTheirReplicasAreBitwiseEqual() {
        TrainedState single = TrainedState.train(tinyForTwoWorkers());
        List<TrainedState> replicas = TrainedState.trainOnThreads(2, collective -> tinyForTwoWorkers());

        assertThat(single.losses()).hasSize(8);
        assertThat(replicas.get(0).maxRelativeDifference(single)).isLessThan(1e-5);
        assertThat(replicas.get(0).maxLossDifference(single)).isLessThan(1e-5);
        assertThat(replicas.get(1).bitwiseEquals(replicas.get(0))).isTrue();
        assertThat(TrainedState.trainOnThreads(2, collective -> tinyForTwoWorkers()).get(0).bitwiseEquals(replicas.get(0)))
                .as("a second run of two workers").isTrue();
    }

    /** The run of 2 epochs, stopped after epoch 1's checkpoint, in {@code directory}. */
    private static Pretraining.Builder stoppedAfterEpochOne(Path directory) {
        return tinyForTwoWorkers().checkpoints(directory).afterEpoch(epoch -> {
            if (epoch.epoch() == 2) {
                throw new IllegalStateException("power cut");    // before epoch 2's checkpoint
            }
        });
    }

    @Test
    void onlyRankZeroWritesTheCheckpointOfTwoWorkersAndOneProcessResumesIt() {
        TrainedState straight = TrainedState.train(tinyForTwoWorkers());

        List<Throwable> stopped = ThreadCollective.run(2, collective -> catchThrowable(
                () -> stoppedAfterEpochOne(dir.resolve("rank-" + collective.rank())).collective(collective).run()));
        assertThat(stopped).allSatisfy(stop -> assertThat(stop).isInstanceOf(ListenerFailedException.class));
        Path written = dir.resolve("rank-0");
        assertThat(dir.resolve("rank-1")).doesNotExist();
        assertThat(CheckpointDirectory.open(written).checkpoint().property(CheckpointContents.WORKERS)).contains("2");

        TrainedState resumed = TrainedState.train(tinyForTwoWorkers().resumeFrom(written));
        assertThat(resumed.maxRelativeDifference(straight)).isLessThan(1e-5);
    }

    @Test
    void twoWorkersResumeTheCheckpointOfOneProcess() {
        TrainedState straight = TrainedState.train(tinyForTwoWorkers());

        assertThatThrownBy(() -> stoppedAfterEpochOne(dir).run()).isInstanceOf(ListenerFailedException.class);
        assertThat(CheckpointDirectory.open(dir).checkpoint().property(CheckpointContents.WORKERS)).contains("1");
        List<TrainedState> resumed = TrainedState.trainOnThreads(2, collective -> tinyForTwoWorkers().resumeFrom(dir));
        assertThat(resumed.get(0).maxRelativeDifference(straight)).isLessThan(1e-5);
        assertThat(resumed.get(1).bitwiseEquals(resumed.get(0))).isTrue();
    }

    @Test
    void settingsTheWorkersCannotShareEvenlyAreRefusedAtBuildNamingThemAndTheWorkerCount() {
        List<Throwable> batch = ThreadCollective.run(3, collective -> catchThrowable(
                () -> tiny(new TinyEncoder(64, 8, 3, 1, DataType.FLOAT)).collective(collective).build()));
        assertThat(batch).allSatisfy(refusal -> assertThat(refusal).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("batch.size = 8 cannot be split over the 3 workers of this data-parallel run"));
        List<Throwable> queryGroups = ThreadCollective.run(2, collective -> catchThrowable(
                () -> tiny(new TinyEncoder(64, 8, 3, 1, DataType.FLOAT)).collective(collective).build()));
        assertThat(queryGroups).allSatisfy(refusal -> assertThat(refusal).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("query.bn-groups = 1 cannot be split over the 2 workers of this data-parallel run"));
    }
}
