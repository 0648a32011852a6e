package dev.moco.bench.cli.pretrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.checkpoint.CheckpointDirectory;
import dev.moco.core.checkpoint.CheckpointException;
import dev.moco.core.config.MocoConfig;
import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.AfterStepListener;
import dev.moco.core.run.ConfiguredEncoder;
import dev.moco.core.run.EpochReport;
import dev.moco.core.run.TrainingPosition;
import dev.moco.core.run.internal.AssembledRun;
import dev.moco.core.run.internal.EpochLoop;
import dev.moco.core.run.internal.PeriodicCheckpoints;
import dev.moco.core.run.internal.RunAssembly;
import dev.moco.core.run.internal.TrainingSnapshot;
import dev.moco.core.wiring.DictionaryRegistry;
import dev.moco.core.wiring.TrainingData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A run interrupted after step s and resumed from its last checkpoint ends with the same
 * parameters, optimizer state and dictionary as the uninterrupted run (CPU, fixed seed). It
 * drives the library's internal loop and snapshots directly, with the real queue dictionary,
 * which is why it lives here and not in moco-core.
 */
class ResumeTest {

    static final Normalize NORMALIZE = new Normalize(new float[] {0.4f}, new float[] {0.3f});

    @TempDir
    Path dir;

    static MocoConfig config(String... overrides) {
        DictionaryRegistry registry = DictionaryRegistry.discover();
        List<String> settings = new ArrayList<>(List.of("dictionary=queue", "encoder=resnet20", "head.hidden=16",
                "feature.dim=8", "batch.size=8", "shuffle.groups=2", "queue.size=16", "queue.momentum=0.99",
                "image.size=8", "epochs=2", "seed=7", "workers=2", "optimizer.lr=0.05"));
        settings.addAll(List.of(overrides));
        return MocoConfig.builder(registry.settings()).preset("moco-v2").set(settings).build();
    }

    static AssembledRun setup(MocoConfig config, ImageDataset data) {
        ConfiguredEncoder encoder = ConfiguredEncoder.from(config, data.channels());
        return RunAssembly.assemble(config, encoder.create(), encoder.description(), new TrainingData(data, NORMALIZE),
                DictionaryRegistry.discover());
    }

    static final class Interrupted extends RuntimeException {
        Interrupted() {
            super("simulated crash");
        }
    }

    @Test
    void interruptedAndResumedRunEqualsUninterruptedRun() {
        ImageDataset data = new SyntheticImages(32, 8, 4, 1);   // 4 steps per epoch, 8 in all
        MocoConfig config = config();

        AssembledRun straight = setup(config, data);
        List<EpochReport> straightEpochs = new ArrayList<>();
        TrainingPosition end = straight.loop().addAfterEpochListener(straightEpochs::add)
                .run(TrainingPosition.start(straight.stepsPerEpoch()));
        assertThat(end).isEqualTo(new TrainingPosition(2, 0, 8, 4));

        // the same run, checkpointing every 3 steps, dies after step 7 (last checkpoint: step 6, epoch 2 step 2)
        AssembledRun first = setup(config, data);
        CheckpointDirectory checkpoints = new CheckpointDirectory(dir.resolve("checkpoints"), 2);
        EpochLoop interrupted = first.loop();
        PeriodicCheckpoints saver = new PeriodicCheckpoints(checkpoints,
                p -> TrainingSnapshot.capture(first, p, "synthetic", null, interrupted.epochTotals()), 3);
        AfterStepListener crash = step -> {
            if (step.position().globalStep() == 7) {
                throw new Interrupted();
            }
        };
        interrupted.addAfterStepListener(saver).addAfterEpochListener(saver).addAfterStepListener(crash);
        assertThatThrownBy(() -> interrupted.run(TrainingPosition.start(4))).hasRootCauseInstanceOf(Interrupted.class);

        // a new process: fresh objects, restored from latest.zip
        Checkpoint latest = CheckpointDirectory.load(dir);
        assertThat(latest.position()).isEqualTo(new TrainingPosition(1, 2, 6, 4));
        AssembledRun resumed = setup(config, data);
        TrainingSnapshot.restore(latest, resumed);
        List<EpochReport> resumedEpochs = new ArrayList<>();
        resumed.loop().addAfterEpochListener(resumedEpochs::add).run(latest.position(), TrainingSnapshot.epochTotals(latest));

        // the resumed epoch's metrics cover all 4 of its steps, as in the uninterrupted run
        assertThat(resumedEpochs).hasSize(1);
        assertThat(resumedEpochs.get(0).steps()).isEqualTo(4);
        assertThat(resumedEpochs.get(0).meanLoss()).isEqualTo(straightEpochs.get(1).meanLoss());
        assertThat(resumedEpochs.get(0).meanPretextAccuracy()).isEqualTo(straightEpochs.get(1).meanPretextAccuracy());

        assertClose(resumed.queryEncoder().parameters(), straight.queryEncoder().parameters(), "query encoder parameters");
        assertClose(resumed.queryEncoder().buffers(), straight.queryEncoder().buffers(), "query encoder buffers");
        assertClose(resumed.trainer().optimizer().state(), straight.trainer().optimizer().state(), "optimizer state");
        straight.dictionary().state().forEach((name, value) ->
                assertClose(resumed.dictionary().state().get(name), value, "dictionary " + name));
        assertThat(straight.queryEncoder().parameters().equalsWithEps(
                setup(config, data).queryEncoder().parameters(), 1e-3)).as("training changed the parameters").isFalse();
    }

    @Test
    void checkpointOfAnotherQueueSizeIsRejectedWithoutChangingTheRun() {
        ImageDataset data = new SyntheticImages(16, 8, 4, 2);
        AssembledRun small = setup(config("epochs=1"), data);
        small.loop().run(TrainingPosition.start(2));
        Checkpoint c = TrainingSnapshot.capture(small, new TrainingPosition(1, 0, 2, 2), "synthetic");

        AssembledRun other = setup(config("epochs=1", "queue.size=32"), data);
        INDArray before = other.queryEncoder().parameters().dup();
        assertThatThrownBy(() -> TrainingSnapshot.restore(c, other))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("dictionary/")
                .hasMessageContaining("[16, 8] in the checkpoint but [32, 8] here")
                .hasMessageContaining("queue.size=32 (checkpoint: 16)");
        assertThat(other.queryEncoder().parameters()).isEqualTo(before);
    }

    @Test
    void checkpointOfAnotherEncoderIsRejected() {
        ImageDataset data = new SyntheticImages(16, 8, 4, 2);
        AssembledRun small = setup(config("epochs=1"), data);
        Checkpoint c = TrainingSnapshot.capture(small, new TrainingPosition(0, 0, 0, 2), "synthetic");
        AssembledRun wider = setup(config("epochs=1", "encoder.width=2"), data);
        assertThatThrownBy(() -> TrainingSnapshot.restore(c, wider))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("another encoder")
                .hasMessageContaining("widthMultiplier (checkpoint 1, this run 2)");
    }

    @Test
    void checkpointOfOneEncoderImplementationResumesInTheOther() {
        ImageDataset data = new SyntheticImages(16, 8, 4, 2);
        AssembledRun reference = setup(config("epochs=1", "encoder.impl=reference"), data);
        reference.loop().run(TrainingPosition.start(2));
        Checkpoint c = TrainingSnapshot.capture(reference, new TrainingPosition(1, 0, 2, 2), "synthetic");

        AssembledRun fast = setup(config("epochs=1", "encoder.impl=fast"), data);
        assertThat(fast.queryEncoder().getClass()).isNotEqualTo(reference.queryEncoder().getClass());
        TrainingSnapshot.restore(c, fast);
        assertClose(fast.queryEncoder().parameters(), reference.queryEncoder().parameters(), "query encoder parameters");
        assertClose(fast.queryEncoder().buffers(), reference.queryEncoder().buffers(), "query encoder buffers");
        assertClose(fast.trainer().optimizer().state(), reference.trainer().optimizer().state(), "optimizer state");
        reference.dictionary().state().forEach((name, value) ->
                assertClose(fast.dictionary().state().get(name), value, "dictionary " + name));
    }

    private static void assertClose(INDArray actual, INDArray expected, String what) {
        assertThat(actual.shape()).as(what).containsExactly(expected.shape());
        if (expected.length() > 0) {
            double diff = actual.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                    .sub(expected.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).amaxNumber().doubleValue();
            assertThat(diff).as(what + ": largest difference").isLessThanOrEqualTo(1e-6);
        }
    }
}
