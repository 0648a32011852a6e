package dev.moco.dict.membank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moco.api.Contrast;
import dev.moco.api.SharedNegatives;
import dev.moco.api.Encoder;
import dev.moco.core.Batch;
import dev.moco.api.testing.TinyEncoder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class MemoryBankDictionaryTest {
    private static final int N = 40;
    private static final int C = 6;

    private static MemoryBankDictionary bank(int batch, int negatives, double momentum, long seed) {
        return new MemoryBankDictionary(N, C, batch, negatives, momentum,
                MemoryBankDictionary.Initialization.RANDOM, seed, DataType.DOUBLE);
    }

    private static Batch batch(long step, long... indices) {
        INDArray images = Nd4j.zeros(DataType.DOUBLE, indices.length, 1, 2, 2);
        return new Batch(images, images, indices, step);
    }

    private static INDArray unitRows(int rows, long seed) {
        java.util.Random random = new java.util.Random(seed);
        double[] values = new double[rows * C];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        INDArray x = Nd4j.create(values, new long[] {rows, C}, DataType.DOUBLE);
        return x.diviColumnVector(x.norm2(true, 1));
    }

    /** Every element, for exact (bit-for-bit) comparisons; INDArray.equals has a tolerance. */
    private static double[] v(INDArray a) {
        return a.reshape(a.length()).toDoubleVector();
    }

    /** normalize(m·old + (1−m)·q), computed row by row in plain Java. */
    private static double[] expectedRow(INDArray old, INDArray q, double m) {
        double[] v = new double[C];
        double norm = 0;
        for (int c = 0; c < C; c++) {
            v[c] = m * old.getDouble(c) + (1 - m) * q.getDouble(c);
            norm += v[c] * v[c];
        }
        norm = Math.sqrt(norm);
        for (int c = 0; c < C; c++) {
            v[c] /= norm;
        }
        return v;
    }

    @Test
    void randomBankHasUnitRowsAndDependsOnlyOnTheSeed() {
        INDArray a = bank(4, 8, 0.5, 7).bank();
        assertThat(a.shape()).containsExactly(N, C);
        INDArray norms = a.norm2(1);
        for (int i = 0; i < N; i++) {
            assertThat(norms.getDouble(i)).isCloseTo(1.0, within(1e-12));
        }
        assertThat(v(bank(4, 8, 0.5, 7).bank())).containsExactly(v(a));
        assertThat(v(bank(4, 8, 0.5, 8).bank())).isNotEqualTo(v(a));
    }

    @Test
    void positivesAreTheBankRowsOfTheBatchSamples() {
        MemoryBankDictionary d = bank(3, 8, 0.5, 1);
        SharedNegatives c = d.contrast(batch(0, 17, 2, 33), unitRows(3, 1));
        assertThat(v(c.positives().getRow(0))).containsExactly(v(d.bank().getRow(17)));
        assertThat(v(c.positives().getRow(1))).containsExactly(v(d.bank().getRow(2)));
        assertThat(v(c.positives().getRow(2))).containsExactly(v(d.bank().getRow(33)));
    }

    @Test
    void aSamplesPositiveIsItsRowFromBeforeThisStepsUpdate() {
        MemoryBankDictionary d = bank(2, 8, 0.5, 2);
        INDArray before = d.bank().dup();
        Batch b = batch(0, 5, 9);
        INDArray q = unitRows(2, 2);
        SharedNegatives c = d.contrast(b, q);
        d.update(b, q, c);
        // the contrast still holds the old rows: a copy, not a view the update wrote through
        assertThat(v(c.positives().getRow(0))).containsExactly(v(before.getRow(5)));
        assertThat(v(c.positives().getRow(1))).containsExactly(v(before.getRow(9)));
        assertThat(v(d.bank().getRow(5))).isNotEqualTo(v(before.getRow(5)));
        // and contrast() itself changed nothing
        MemoryBankDictionary e = bank(2, 8, 0.5, 2);
        e.contrast(b, q);
        assertThat(v(e.bank())).containsExactly(v(before));
    }

    @Test
    void updateWritesExactlyTheBatchRowsWithTheOldRowWeightedByMomentum() {
        double m = 0.3;  // asymmetric, so swapping m and 1 − m would be caught
        MemoryBankDictionary d = bank(4, 8, m, 3);
        INDArray before = d.bank().dup();
        long[] rows = {0, 39, 12, 7};
        Batch b = batch(4, rows);
        INDArray q = unitRows(4, 3);
        d.update(b, q, d.contrast(b, q));
        Set<Long> touched = Arrays.stream(rows).boxed().collect(Collectors.toSet());
        for (int i = 0; i < N; i++) {
            if (!touched.contains((long) i)) {
                assertThat(v(d.bank().getRow(i))).as("row %d", i).containsExactly(v(before.getRow(i)));   // bit for bit
            }
        }
        for (int j = 0; j < rows.length; j++) {
            double[] expected = expectedRow(before.getRow(rows[j]), q.getRow(j), m);
            assertThat(d.bank().getRow(rows[j]).toDoubleVector()).containsExactly(expected, within(1e-12));
        }
    }

    @Test
    void momentumOneKeepsTheBankAndZeroReplacesRowsByTheQueries() {
        MemoryBankDictionary keep = bank(2, 4, 1.0, 4);
        INDArray before = keep.bank().dup();
        Batch b = batch(0, 3, 4);
        INDArray q = unitRows(2, 4);
        keep.update(b, q, keep.contrast(b, q));
        assertThat(keep.bank().getRow(3).toDoubleVector()).containsExactly(before.getRow(3).toDoubleVector(), within(1e-12));

        MemoryBankDictionary replace = bank(2, 4, 0.0, 4);
        replace.update(b, q, replace.contrast(b, q));
        assertThat(replace.bank().getRow(4).toDoubleVector()).containsExactly(q.getRow(1).toDoubleVector(), within(1e-12));
    }

    @Test
    void aSampleRepeatedInOneBatchIsUpdatedOncePerOccurrenceInBatchOrder() {
        double m = 0.25;
        MemoryBankDictionary d = bank(4, 8, m, 5);
        INDArray before = d.bank().dup();
        Batch b = batch(0, 11, 6, 11, 11);
        INDArray q = unitRows(4, 5);
        d.update(b, q, d.contrast(b, q));
        INDArray v = before.getRow(11);
        for (int occurrence : new int[] {0, 2, 3}) {
            v = Nd4j.createFromArray(expectedRow(v, q.getRow(occurrence), m));
        }
        assertThat(d.bank().getRow(11).toDoubleVector()).containsExactly(v.toDoubleVector(), within(1e-12));
        assertThat(d.bank().getRow(6).toDoubleVector())
                .containsExactly(expectedRow(before.getRow(6), q.getRow(1), m), within(1e-12));
    }

    @Test
    void negativesAreBankRowsOutsideTheBatchNotTheQueries() {
        MemoryBankDictionary d = bank(4, 20, 0.5, 6);
        long[] rows = {1, 2, 3, 30};
        Batch b = batch(9, rows);
        // the queries are exactly the batch's bank rows: a mechanism that used the current
        // queries or the batch's rows as negatives would show them below
        INDArray q = Nd4j.pullRows(d.bank(), 1, new int[] {1, 2, 3, 30});
        SharedNegatives c = d.contrast(b, q);
        int[] drawn = d.sampleNegatives(new int[] {1, 2, 3, 30}, 9);
        assertThat(c.negatives().shape()).containsExactly(20, C);
        assertThat(d.negativesPerQuery()).isEqualTo(20);
        for (int k = 0; k < drawn.length; k++) {
            assertThat(v(c.negatives().getRow(k))).containsExactly(v(d.bank().getRow(drawn[k])));
            for (int i = 0; i < rows.length; i++) {
                assertThat(v(c.negatives().getRow(k))).isNotEqualTo(v(q.getRow(i)));
            }
        }
        assertThat(drawn).doesNotContain(1, 2, 3, 30).doesNotHaveDuplicates();
        for (int r : drawn) {
            assertThat(r).isBetween(0, N - 1);
        }
    }

    @Test
    void negativesDependOnlyOnSeedAndStepAndCoverTheBankUniformly() {
        MemoryBankDictionary d = bank(5, 10, 0.5, 7);
        int[] batchRows = {0, 8, 8, 20, 39};       // a repeated sample excludes one row, not two
        assertThat(d.sampleNegatives(batchRows, 3)).containsExactly(bank(5, 10, 0.5, 7).sampleNegatives(batchRows, 3));
        assertThat(d.sampleNegatives(batchRows, 4)).isNotEqualTo(d.sampleNegatives(batchRows, 3));
        assertThat(bank(5, 10, 0.5, 8).sampleNegatives(batchRows, 3)).isNotEqualTo(d.sampleNegatives(batchRows, 3));

        int steps = 4000;
        int[] counts = new int[N];
        for (int step = 0; step < steps; step++) {
            for (int r : d.sampleNegatives(batchRows, step)) {
                counts[r]++;
            }
        }
        // 36 rows outside the batch, each drawn with probability 10/36 per step
        double expected = steps * 10.0 / 36;
        double sd = Math.sqrt(steps * (10.0 / 36) * (26.0 / 36));
        for (int r = 0; r < N; r++) {
            if (r == 0 || r == 8 || r == 20 || r == 39) {
                assertThat(counts[r]).as("batch row %d", r).isZero();
            } else {
                assertThat((double) counts[r]).as("row %d", r).isCloseTo(expected, within(5 * sd));
            }
        }
    }

    @Test
    void theLargestKTakesEveryRowOutsideTheBatch() {
        MemoryBankDictionary d = bank(3, N - 3, 0.5, 8);
        int[] drawn = d.sampleNegatives(new int[] {4, 5, 6}, 0);
        assertThat(Arrays.stream(drawn).sorted().toArray())
                .containsExactly(IntStream.range(0, N).filter(i -> i < 4 || i > 6).toArray());
    }

    @Test
    void stateRoundTripContinuesExactly() {
        MemoryBankDictionary a = bank(3, 8, 0.5, 9);
        for (int step = 0; step < 3; step++) {
            Batch b = batch(step, step, step + 10, step + 20);
            INDArray q = unitRows(3, step);
            a.update(b, q, a.contrast(b, q));
        }
        Map<String, INDArray> saved = Map.of(MemoryBankDictionary.BANK_STATE,
                a.state().get(MemoryBankDictionary.BANK_STATE).dup());
        MemoryBankDictionary b = bank(3, 8, 0.5, 9);
        b.restore(saved);
        assertThat(v(b.bank())).containsExactly(v(a.bank()));

        Batch next = batch(3, 5, 6, 7);
        INDArray q = unitRows(3, 99);
        SharedNegatives ca = a.contrast(next, q);
        SharedNegatives cb = b.contrast(next, q);
        assertThat(v(cb.positives())).containsExactly(v(ca.positives()));
        assertThat(v(cb.negatives())).containsExactly(v(ca.negatives()));
        a.update(next, q, ca);
        b.update(next, q, cb);
        assertThat(v(b.bank())).containsExactly(v(a.bank()));
    }

    @Test
    void restoreNamesWhatIsWrong() {
        MemoryBankDictionary d = bank(3, 8, 0.5, 10);
        assertThatThrownBy(() -> d.restore(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bank' is missing");
        assertThatThrownBy(() -> d.restore(Map.of("bank", Nd4j.zeros(DataType.DOUBLE, N + 1, C))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[41, 6]").hasMessageContaining("[40, 6]");
        assertThatThrownBy(() -> d.restore(Map.of("queue", Nd4j.zeros(DataType.DOUBLE, 4, C))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'queue'");
    }

    @Test
    void badSettingsNameTheKeyAndTheAllowedRange() {
        assertThatThrownBy(() -> bank(4, 0, 0.5, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memory-bank.negatives").hasMessageContaining("[1, 36]");
        assertThatThrownBy(() -> bank(4, 37, 0.5, 1))       // K > N − batch
                .hasMessageContaining("memory-bank.negatives = 37").hasMessageContaining("[1, 36]");
        assertThatThrownBy(() -> bank(4, 41, 0.5, 1))       // K > bank size
                .hasMessageContaining("memory-bank.negatives = 41");
        for (double m : new double[] {-0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> bank(4, 8, m, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("memory-bank.momentum").hasMessageContaining("[0, 1]");
        }
    }

    @Test
    void lookUpsRejectBadBatches() {
        MemoryBankDictionary d = bank(2, 8, 0.5, 11);
        assertThatThrownBy(() -> d.contrast(batch(0, 3, 40), unitRows(2, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample index 40 at batch position 1");
        assertThatThrownBy(() -> d.contrast(batch(0, 3, 4), Nd4j.zeros(DataType.DOUBLE, 2, C + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 6]");
    }

    @Test
    void memoryIsNTimesCTimesTheElementSize() {
        MemoryBankDictionary fashionMnist = new MemoryBankDictionary(60_000, 128, 256, 4096, 0.5,
                MemoryBankDictionary.Initialization.RANDOM, 1, DataType.FLOAT);
        assertThat(fashionMnist.memoryBytes()).isEqualTo(30_720_000L);
        assertThat(MemoryBankDictionary.memoryBytes(60_000, 128, DataType.FLOAT)).isEqualTo(30_720_000L);
        assertThat(MemoryBankDictionary.memoryBytes(1_281_167, 128, DataType.FLOAT)).isEqualTo(655_957_504L);
        assertThat(MemoryBankDictionary.memoryBytes(1_000_000_000L, 128, DataType.FLOAT)).isEqualTo(512_000_000_000L);
        assertThat(bank(4, 8, 0.5, 1).memoryBytes()).isEqualTo((long) N * C * 8);
    }

    @Test
    void encoderInitialisationFillsEveryRowWithTheUntrainedEncodersFeatures() {
        TinyEncoder encoder = new TinyEncoder(4, 5, C, 12, DataType.DOUBLE);
        encoder.runningMean().assign(0.2);     // inference mode must use these, and leave them
        INDArray buffersBefore = encoder.buffers().dup();
        MemoryBankDictionary d = new MemoryBankDictionary(N, C, 4, 8, 0.5,
                MemoryBankDictionary.Initialization.ENCODER, 12, DataType.DOUBLE);
        assertThat(d.awaitsEncoderFill()).isTrue();
        assertThatThrownBy(() -> d.contrast(batch(0, 1, 2, 3, 4), unitRows(4, 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("fillFromEncoder");

        INDArray images = Nd4j.rand(DataType.DOUBLE, N, 1, 2, 2);
        List<INDArray> batches = List.of(
                images.get(NDArrayIndex.interval(0, 16)), images.get(NDArrayIndex.interval(16, 32)),
                images.get(NDArrayIndex.interval(32, 40)));
        d.fillFromEncoder(encoder, batches.iterator());

        assertThat(d.awaitsEncoderFill()).isFalse();
        INDArray features = encoder.forward(images, Encoder.Mode.INFERENCE).output();
        INDArray expected = features.divColumnVector(features.norm2(true, 1));
        assertThat(d.bank().sub(expected).amaxNumber().doubleValue()).isLessThan(1e-12);
        assertThat(v(encoder.buffers())).containsExactly(v(buffersBefore));
        d.contrast(batch(0, 1, 2, 3, 4), unitRows(4, 1));   // now allowed
    }

    @Test
    void encoderFillMustCoverTheDataSetExactly() {
        TinyEncoder encoder = new TinyEncoder(4, 5, C, 13, DataType.DOUBLE);
        MemoryBankDictionary d = new MemoryBankDictionary(N, C, 4, 8, 0.5,
                MemoryBankDictionary.Initialization.ENCODER, 13, DataType.DOUBLE);
        assertThatThrownBy(() -> d.fillFromEncoder(encoder, List.of(Nd4j.rand(DataType.DOUBLE, N - 1, 1, 2, 2)).iterator()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hold 39 samples, the data set 40");
        assertThatThrownBy(() -> d.fillFromEncoder(encoder, List.of(Nd4j.rand(DataType.DOUBLE, N + 1, 1, 2, 2)).iterator()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than the 40 samples");
        assertThat(d.awaitsEncoderFill()).isTrue();
    }
}
