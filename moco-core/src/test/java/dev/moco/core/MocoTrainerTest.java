package dev.moco.core;

import dev.moco.api.kit.FeatureNormalization;
import dev.moco.api.kit.FixedKeys;
import dev.moco.core.run.TrainingPosition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.moco.api.Collective;
import dev.moco.api.Contrast;
import dev.moco.api.Dictionary;
import dev.moco.api.Encoder;
import dev.moco.api.SharedNegatives;
import dev.moco.api.TrainingBatch;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.core.optim.Optimizer;
import dev.moco.core.optim.SgdMomentum;
import dev.moco.api.testing.FiniteDifferences;
import dev.moco.api.testing.ThreadCollective;
import dev.moco.api.testing.TinyEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.ISchedule;

class MocoTrainerTest {

    /** Fixed negatives; records the order in which the trainer calls it. */
    private static final class RecordingDictionary implements Dictionary {
        final List<String> calls = new ArrayList<>();
        final INDArray negatives;
        INDArray parametersAtUpdate;
        private final TinyEncoder encoder;

        RecordingDictionary(TinyEncoder encoder, INDArray negatives) {
            this.encoder = encoder;
            this.negatives = negatives;
        }

        @Override
        public Contrast contrast(TrainingBatch batch, INDArray queries) {
            calls.add("contrast");
            INDArray keys = FeatureNormalization.normalize(batch.keyView().reshape(batch.size(), 2));
            return new FixedKeys(keys, negatives);
        }

        @Override
        public void update(TrainingBatch batch, INDArray queries, Contrast contrast) {
            calls.add("update");
            parametersAtUpdate = encoder.parameters().dup().detach();     // kept beyond the step's workspace
        }

        public long negativesPerQuery() { return negatives.size(0); }
        public Map<String, INDArray> state() { return Map.of(); }
        public void restore(Map<String, INDArray> state) {}
        public long memoryBytes() { return 0; }
    }

    private final TinyEncoder encoder = new TinyEncoder(4, 3, 2, 1, DataType.DOUBLE);

    /** The position of global step {@code step} in a run of 10 steps per epoch. */
    private static TrainingPosition at(long step) {
        return new TrainingPosition((int) (step / 10), step % 10, step, 10);
    }
    private final INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 2, 2);

    @Test
    void updatesTheDictionaryAfterTheOptimizerStep() {
        RecordingDictionary dictionary = new RecordingDictionary(encoder,
                FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 5, 2)));
        INDArray before = encoder.parameters().dup();
        MocoTrainer trainer = new MocoTrainer(encoder, dictionary, new InfoNceLoss(0.2),
                new Optimizer(new SgdMomentum(0.1, 0.9, null), 0, encoder.parameters(), encoder.gradients()));
        StepResult r = trainer.step(new Batch(x, Nd4j.rand(DataType.DOUBLE, 4, 2), new long[] {0, 1, 2, 3}, 0), at(0));
        assertThat(dictionary.calls).containsExactly("contrast", "update");
        assertThat(dictionary.parametersAtUpdate).isNotEqualTo(before);
        assertThat(r.learningRate()).isEqualTo(0.1);
        assertThat(r.loss()).isPositive();
    }

    @Test
    void theLearningRateComesFromTheScheduleOncePerStepAtThePositionGiven() {
        List<String> evaluations = new ArrayList<>();
        ISchedule schedule = new ISchedule() {
            public double valueAt(int iteration, int epoch) {
                evaluations.add(iteration + "@" + epoch);
                return 0.01 * (epoch + 1);
            }
            public ISchedule clone() { return this; }
        };
        RecordingDictionary dictionary = new RecordingDictionary(encoder,
                FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 5, 2)));
        MocoTrainer trainer = new MocoTrainer(encoder, dictionary, new InfoNceLoss(0.2),
                new Optimizer(new SgdMomentum(0.1, 0.9, schedule), 0, encoder.parameters(), encoder.gradients()));
        StepResult r = trainer.step(new Batch(x, Nd4j.rand(DataType.DOUBLE, 4, 2), new long[] {0, 1, 2, 3}, 23), at(23));
        assertThat(evaluations).containsExactly("23@2");
        assertThat(r.learningRate()).isEqualTo(0.03);
        assertThatThrownBy(() -> trainer.step(new Batch(x, x.reshape(4, 4).getColumns(0, 1), new long[] {0, 1, 2, 3}, 24), at(25)))
                .hasMessageContaining("batch of step 24 given at global step 25");
    }

    @Test
    void anOptimizerOverAnotherEncodersParametersIsRejected() {
        INDArray other = Nd4j.zeros(DataType.DOUBLE, 3);
        assertThatThrownBy(() -> new MocoTrainer(encoder, new RecordingDictionary(encoder, Nd4j.zeros(DataType.DOUBLE, 1, 2)),
                new InfoNceLoss(0.2), new Optimizer(new SgdMomentum(0.1, 0.9, null), 0, other, other.dup())))
                .hasMessageContaining("the optimizer was built for 3 parameters");
    }

    @Test
    void queriesAreNormalisedInTheConfiguredBnGroups() {
        INDArray negatives = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 5, 2));
        Batch batch = new Batch(x, Nd4j.rand(DataType.DOUBLE, 4, 2), new long[] {0, 1, 2, 3}, 0);
        double[] losses = new double[3];
        int[] groups = {1, 2, 2};
        for (int i = 0; i < 3; i++) {
            TinyEncoder fresh = new TinyEncoder(4, 3, 2, 1, DataType.DOUBLE);
            MocoTrainer trainer = new MocoTrainer(fresh, new RecordingDictionary(fresh, negatives), new InfoNceLoss(0.2),
                    new Optimizer(new SgdMomentum(0.1, 0.9, null), 0, fresh.parameters(), fresh.gradients()), groups[i]);
            losses[i] = trainer.step(batch, at(0)).loss();
        }
        TinyEncoder reference = new TinyEncoder(4, 3, 2, 1, DataType.DOUBLE);
        INDArray q = FeatureNormalization.normalize(reference.forward(x, Encoder.Mode.TRAINING, 2).output());
        RecordingDictionary keysOnly = new RecordingDictionary(reference, negatives);
        double expected = new InfoNceLoss(0.2).compute(q, (SharedNegatives) keysOnly.contrast(batch, q)).loss();
        assertThat(losses[1]).isEqualTo(expected).isEqualTo(losses[2]);
        assertThat(losses[0]).isNotEqualTo(losses[1]);   // the BN statistics differ per group
        assertThatThrownBy(() -> new MocoTrainer(encoder, keysOnly, new InfoNceLoss(0.2),
                new Optimizer(new SgdMomentum(0.1, 0.9, null), 0, encoder.parameters(), encoder.gradients()), 0))
                .hasMessageContaining("query BN groups must be >= 1");
    }

    @Test
    void nonFiniteLossStopsBeforeAnythingIsUpdated() {
        INDArray nanNegatives = Nd4j.valueArrayOf(new long[] {5, 2}, Double.NaN, DataType.DOUBLE);
        RecordingDictionary dictionary = new RecordingDictionary(encoder, nanNegatives);
        Optimizer optimizer = new Optimizer(new SgdMomentum(0.1, 0.9, null), 0, encoder.parameters(), encoder.gradients());
        INDArray before = encoder.parameters().dup();
        MocoTrainer trainer = new MocoTrainer(encoder, dictionary, new InfoNceLoss(0.2), optimizer);
        assertThatThrownBy(() -> trainer.step(new Batch(x, Nd4j.rand(DataType.DOUBLE, 4, 2), new long[] {0, 1, 2, 3}, 17), at(17)))
                .isInstanceOf(NonFiniteLossException.class)
                .hasMessageContaining("at step 17");
        assertThat(encoder.parameters()).isEqualTo(before);
        assertThat(optimizer.state().sumNumber().doubleValue()).isZero();
        assertThat(dictionary.calls).containsExactly("contrast");
    }

    @Test
    void nonFiniteGradientBehindAFiniteLossAlsoStopsTheStep() {
        // an encoder whose ReLU squashed NaN activations: finite output, NaN gradient
        Encoder poisoned = new ForwardingEncoder(encoder) {
            @Override
            public Pass forward(INDArray input, Mode mode, int groups) {
                Pass inner = delegate().forward(input, mode, groups);
                return new Pass() {
                    public INDArray output() { return inner.output(); }
                    public void backward(INDArray g) {
                        inner.backward(g);
                        encoder.gradients().putScalar(0, Double.NaN);
                    }
                };
            }

            @Override
            public Encoder copy() {
                return delegate().copy();
            }
        };
        RecordingDictionary dictionary = new RecordingDictionary(encoder,
                FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 5, 2)));
        INDArray before = encoder.parameters().dup();
        MocoTrainer trainer = new MocoTrainer(poisoned, dictionary, new InfoNceLoss(0.2),
                new Optimizer(new SgdMomentum(0.1, 0.9, null), 0, encoder.parameters(), encoder.gradients()));
        assertThatThrownBy(() -> trainer.step(new Batch(x, Nd4j.rand(DataType.DOUBLE, 4, 2), new long[] {0, 1, 2, 3}, 3), at(3)))
                .isInstanceOf(NonFiniteLossException.class)
                .hasMessageContaining("the query encoder's gradient is NaN at step 3");
        assertThat(encoder.parameters()).isEqualTo(before);
        assertThat(dictionary.calls).containsExactly("contrast");
    }

    /** Three steps of a fresh trainer over the given rows of three batches of 4; the state and losses at the end. */
    private static TrainerState threeSteps(Collective collective, INDArray negatives, int queryGroups) {
        TinyEncoder fresh = new TinyEncoder(4, 3, 2, 1, DataType.DOUBLE);
        Optimizer optimizer = new Optimizer(new SgdMomentum(0.1, 0.9, null), 1e-3, fresh.parameters(), fresh.gradients());
        MocoTrainer trainer = new MocoTrainer(fresh, new RecordingDictionary(fresh, negatives), new InfoNceLoss(0.2),
                optimizer, queryGroups, collective);
        double[] losses = new double[3];
        for (int step = 0; step < 3; step++) {
            java.util.SplittableRandom random = new java.util.SplittableRandom(step);    // the same batch on every thread
            INDArray queryView = Nd4j.create(random.doubles(16).toArray(), new long[] {4, 1, 2, 2}, DataType.DOUBLE);
            INDArray keyView = Nd4j.create(random.doubles(8).toArray(), new long[] {4, 2}, DataType.DOUBLE);
            long[] indices = {0, 1, 2, 3};
            int n = 4 / collective.workers();
            Batch own = new Batch(collective.ownRows(queryView), collective.ownRows(keyView),
                    Arrays.copyOfRange(indices, collective.rank() * n, (collective.rank() + 1) * n), step);
            losses[step] = trainer.step(own, at(step)).loss();
        }
        return new TrainerState(fresh.parameters().dup(), fresh.buffers().dup(), optimizer.state().dup(), losses);
    }

    private record TrainerState(INDArray parameters, INDArray buffers, INDArray velocity, double[] losses) {}

    @Test
    void twoWorkersTakeTheSingleProcessStepsAndStayBitwiseEqual() {
        INDArray negatives = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 5, 2));
        TrainerState single = threeSteps(Collective.SINGLE_PROCESS, negatives, 2);
        List<TrainerState> workers = ThreadCollective.run(2, collective -> threeSteps(collective, negatives, 2));

        for (TrainerState worker : workers) {
            assertThat(FiniteDifferences.relativeError(worker.parameters(), single.parameters())).isLessThan(1e-12);
            assertThat(FiniteDifferences.relativeError(worker.buffers(), single.buffers())).isLessThan(1e-12);
            assertThat(FiniteDifferences.relativeError(worker.velocity(), single.velocity())).isLessThan(1e-12);
            assertThat(worker.losses()).containsExactly(single.losses(), within(1e-12));
        }
        assertThat(workers.get(1).parameters().data().asDouble()).containsExactly(workers.get(0).parameters().data().asDouble());
        assertThat(workers.get(1).velocity().data().asDouble()).containsExactly(workers.get(0).velocity().data().asDouble());
    }

    @Test
    void aLossThatIsNotFiniteOnOneWorkerStopsEveryWorkerBeforeAnyUpdate() {
        INDArray finite = FeatureNormalization.normalize(Nd4j.randn(DataType.DOUBLE, 5, 2));
        INDArray nan = Nd4j.valueArrayOf(new long[] {5, 2}, Double.NaN, DataType.DOUBLE);
        List<Throwable> failures = ThreadCollective.run(2, collective -> catchThrowable(
                () -> threeSteps(collective, collective.rank() == 1 ? nan : finite, 2)));
        assertThat(failures).allSatisfy(failure -> assertThat(failure)
                .isInstanceOf(NonFiniteLossException.class).hasMessageContaining("at step 0"));
    }

    @Test
    void queryBnGroupsThatTheWorkersCannotShareAreRefusedNamingTheSettingAndTheWorkers() {
        List<Throwable> refusals = ThreadCollective.run(2, collective -> catchThrowable(() -> new MocoTrainer(encoder,
                new RecordingDictionary(encoder, Nd4j.zeros(DataType.DOUBLE, 1, 2)), new InfoNceLoss(0.2),
                new Optimizer(new SgdMomentum(0.1, 0.9, null), 0, encoder.parameters(), encoder.gradients()), 1, collective)));
        assertThat(refusals).allSatisfy(refusal -> assertThat(refusal).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("query.bn-groups = 1 cannot be split over the 2 workers of this data-parallel run:"
                        + " each worker takes query.bn-groups / 2, so query.bn-groups must be a multiple of 2"));
    }
}
