package dev.moco.dict.endtoend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moco.api.InBatchKeys;
import dev.moco.api.ContrastiveLoss;
import dev.moco.api.Encoder;
import dev.moco.core.Batch;
import dev.moco.api.kit.NormalizedPass;
import dev.moco.api.kit.ShuffleBatchNorm;
import dev.moco.core.loss.InfoNceLoss;
import dev.moco.api.testing.TinyEncoder;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EndToEndDictionaryTest {
    private static final int BATCH = 8;
    private static final int C = 5;

    private static INDArray images(long seed) {
        Random random = new Random(seed);
        double[] v = new double[BATCH * 12];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return Nd4j.create(v, new long[] {BATCH, 3, 2, 2}, DataType.DOUBLE);
    }

    private static Batch batch(long step) {
        return new Batch(images(1), images(2), LongStream.range(0, BATCH).toArray(), step);
    }

    private static TinyEncoder encoder() {
        return new TinyEncoder(12, 7, C, 21, DataType.DOUBLE);
    }

    private static INDArray normalized(INDArray x) {
        return x.divColumnVector(x.norm2(true, 1));
    }

    /** The training objective of one step: InfoNCE of q = f(x_q) against in-batch keys f(x_k). */
    private static double loss(TinyEncoder encoder, EndToEndDictionary dictionary, Batch batch, ContrastiveLoss loss) {
        INDArray q = new NormalizedPass(encoder.forward(batch.queryView(), Encoder.Mode.TRAINING)).output();
        return loss.compute(q, dictionary.contrast(batch, q)).loss();
    }

    /** The analytic gradient of {@link #loss}, through the query path and, if asked, the key path. */
    private static INDArray gradient(TinyEncoder encoder, EndToEndDictionary dictionary, Batch batch,
                                     ContrastiveLoss loss, boolean throughKeys) {
        encoder.zeroGradients();
        NormalizedPass q = new NormalizedPass(encoder.forward(batch.queryView(), Encoder.Mode.TRAINING));
        InBatchKeys contrast = dictionary.contrast(batch, q.output());
        ContrastiveLoss.InBatchResult r = loss.compute(q.output(), contrast);
        q.backward(r.queryGradient());
        if (throughKeys) {
            contrast.backward(r.keyGradient());
        }
        return encoder.gradients().dup();
    }

    @Test
    void gradientThroughQueriesAndKeysMatchesFiniteDifferences() {
        TinyEncoder encoder = new TinyEncoder(12, 4, 4, 22, DataType.DOUBLE);   // 80 parameters
        EndToEndDictionary dictionary = new EndToEndDictionary(encoder, BATCH, 2, 5);   // with shuffle BN
        ContrastiveLoss infoNce = new InfoNceLoss(0.2);
        Batch batch = batch(3);

        INDArray full = gradient(encoder, dictionary, batch, infoNce, true);
        INDArray queryOnly = gradient(encoder, dictionary, batch, infoNce, false);

        INDArray p = encoder.parameters();
        double h = 1e-6;
        double worstFull = 0;
        double queryOnlyGap = 0;
        for (long i = 0; i < p.length(); i++) {
            double original = p.getDouble(i);
            p.putScalar(i, original + h);
            double plus = loss(encoder, dictionary, batch, infoNce);
            p.putScalar(i, original - h);
            double minus = loss(encoder, dictionary, batch, infoNce);
            p.putScalar(i, original);
            double numeric = (plus - minus) / (2 * h);
            double scale = Math.max(1, Math.abs(numeric));
            worstFull = Math.max(worstFull, Math.abs(full.getDouble(i) - numeric) / scale);
            queryOnlyGap = Math.max(queryOnlyGap, Math.abs(queryOnly.getDouble(i) - numeric) / scale);
        }
        assertThat(worstFull).as("max error of the full gradient vs finite differences").isLessThan(1e-7);
        assertThat(queryOnlyGap).as("the query path alone must miss the key path's share").isGreaterThan(1e-3);
    }

    @Test
    void keysAreTheQueryEncodersNormalisedTrainingModeFeaturesOfTheKeyView() {
        TinyEncoder encoder = encoder();
        Batch batch = batch(0);
        InBatchKeys c = new EndToEndDictionary(encoder, BATCH, 1, 5).contrast(batch, Nd4j.zeros(DataType.DOUBLE, BATCH, C));
        INDArray expected = normalized(encoder.copy().forward(batch.keyView(), Encoder.Mode.TRAINING).output());
        assertThat(c.positives().sub(expected).amaxNumber().doubleValue()).isLessThan(1e-12);
    }

    @Test
    void keysGoThroughShuffleBatchNormWithAPermutationFromSeedAndStep() {
        TinyEncoder encoder = encoder();
        EndToEndDictionary dictionary = new EndToEndDictionary(encoder, BATCH, 2, 5);
        INDArray none = Nd4j.zeros(DataType.DOUBLE, BATCH, C);
        INDArray keys = dictionary.contrast(batch(4), none).positives();

        INDArray expected = normalized(ShuffleBatchNorm.forward(encoder.copy(), batch(4).keyView(),
                Encoder.Mode.TRAINING, 2, dev.moco.api.kit.StepRandom.of(5, 4)).output());
        assertThat(keys.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-12);
        INDArray unshuffled = new EndToEndDictionary(encoder, BATCH, 1, 5).contrast(batch(4), none).positives();
        assertThat(keys.sub(unshuffled).amaxNumber().doubleValue()).as("groups of 4 use other BN statistics")
                .isGreaterThan(1e-3);
        // the same step gives the same keys; other steps other groupings
        assertThat(dictionary.contrast(batch(4), none).positives().sub(keys).amaxNumber().doubleValue()).isZero();
        Set<Double> sums = new HashSet<>();
        for (long step = 0; step < 6; step++) {
            sums.add(dictionary.contrast(batch(step), none).positives().getDouble(0, 0));
        }
        assertThat(sums).hasSizeGreaterThan(1);
    }

    @Test
    void theKeysBackwardAddsTheKeyPathIntoTheEncodersGradients() {
        TinyEncoder encoder = encoder();
        TinyEncoder reference = encoder.copy();
        Batch batch = batch(0);
        INDArray g = images(9).reshape(BATCH, 12).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, C)).dup();

        encoder.zeroGradients();
        InBatchKeys c = new EndToEndDictionary(encoder, BATCH, 1, 5).contrast(batch, Nd4j.zeros(DataType.DOUBLE, BATCH, C));
        assertThat(encoder.gradients().amaxNumber().doubleValue()).as("the look-up alone adds nothing").isZero();
        c.backward(g);

        reference.zeroGradients();
        new NormalizedPass(reference.forward(batch.keyView(), Encoder.Mode.TRAINING)).backward(g);
        assertThat(encoder.gradients().amaxNumber().doubleValue()).isGreaterThan(0);
        assertThat(encoder.gradients().sub(reference.gradients()).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThatThrownBy(() -> c.backward(g)).isInstanceOf(IllegalStateException.class).hasMessageContaining("once");
    }

    @Test
    void nothingOutlivesAStep() {
        EndToEndDictionary d = new EndToEndDictionary(encoder(), BATCH, 1, 5);
        assertThat(d.negativesPerQuery()).isEqualTo(BATCH - 1);
        assertThat(d.state()).isEmpty();
        assertThat(d.memoryBytes()).isZero();
        d.restore(Map.of());
        assertThatThrownBy(() -> d.restore(Map.of("bank", Nd4j.zeros(2, 2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bank'");
    }

    @Test
    void badConfigurationsSayWhatIsWrong() {
        assertThatThrownBy(() -> new EndToEndDictionary(encoder(), 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch size must be >= 2");
        EndToEndDictionary d = new EndToEndDictionary(encoder(), BATCH, 1, 0);
        assertThatThrownBy(() -> d.contrast(batch(0), Nd4j.zeros(DataType.DOUBLE, BATCH - 1, C)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[8, C]");
        InBatchKeys c = d.contrast(batch(0), Nd4j.zeros(DataType.DOUBLE, BATCH, C));
        assertThatThrownBy(() -> c.backward(Nd4j.zeros(DataType.DOUBLE, BATCH, C + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[8, 6]");
    }

    @Test
    void inBatchLossDecreasesWhenTrainingThroughBothViews() {
        TinyEncoder encoder = encoder();
        EndToEndDictionary d = new EndToEndDictionary(encoder, BATCH, 1, 5);
        ContrastiveLoss infoNce = new InfoNceLoss(0.2);
        Batch batch = batch(0);
        double first = loss(encoder, d, batch, infoNce);
        for (int step = 0; step < 30; step++) {
            INDArray grad = gradient(encoder, d, batch, infoNce, true);
            encoder.parameters().subi(grad.mul(0.5));
        }
        assertThat(loss(encoder, d, batch, infoNce)).isLessThan(first - 0.3);
        assertThat(first).isCloseTo(Math.log(BATCH), within(1.5));
    }
}
