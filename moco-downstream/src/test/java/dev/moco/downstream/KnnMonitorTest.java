package dev.moco.downstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.data.ImageDataset;
import dev.moco.core.data.ImageShape;
import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import dev.moco.core.run.EpochReport;
import dev.moco.core.run.TrainingPosition;
import dev.moco.api.testing.TinyEncoder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class KnnMonitorTest {

    /** 4x4 one-channel images: class c lights up quadrant c, plus noise. */
    static final class Quadrants implements ImageDataset {
        private final float[][] pixels;
        private final int[] labels;

        Quadrants(int n, long seed) {
            Random random = new Random(seed);
            pixels = new float[n][16];
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % 4;
                int r0 = (labels[i] / 2) * 2;
                int c0 = (labels[i] % 2) * 2;
                for (int p = 0; p < 16; p++) {
                    int r = p / 4;
                    int c = p % 4;
                    boolean lit = r >= r0 && r < r0 + 2 && c >= c0 && c < c0 + 2;
                    pixels[i][p] = (float) Math.min(1, Math.max(0, (lit ? 0.8 : 0.1) + random.nextGaussian() * 0.05));
                }
            }
        }

        @Override
        public int size() {
            return labels.length;
        }

        @Override
        public ImageShape shape() {
            return new ImageShape(1, 4, 4);
        }

        @Override
        public int label(int index) {
            return labels[index];
        }

        @Override
        public void readImage(int index, float[] destination, int offset) {
            System.arraycopy(pixels[index], 0, destination, offset, 16);
        }
    }

    private static FeatureExtractor extractor(int batch) {
        return new FeatureExtractor(AugmentationPreset.NONE.pipeline(new ImageShape(1, 4, 4), Normalize.IDENTITY), batch);
    }

    @Test
    void extractsNormalisedFeaturesInDataSetOrderWhateverTheBatchSize() {
        TinyEncoder encoder = new TinyEncoder(16, 8, 4, 1, DataType.FLOAT);
        Quadrants data = new Quadrants(23, 2);
        LabelledFeatures a = extractor(5).extract(encoder, data, true);
        LabelledFeatures b = extractor(64).extract(encoder, data, true);
        assertThat(a.features().shape()).containsExactly(23L, 8L);
        assertThat(a.labels()).containsExactly(b.labels());
        assertThat(a.features().equalsWithEps(b.features(), 1e-6)).isTrue();
        INDArray norms = a.features().norm2(1);
        for (int i = 0; i < 23; i++) {
            assertThat(norms.getDouble(i)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
        float[] pixels = new float[16];
        data.readImage(7, pixels, 0);
        INDArray raw = encoder.represent(org.nd4j.linalg.factory.Nd4j.create(pixels, new long[] {1, 1, 4, 4}, 'c'));
        INDArray expected = raw.div(raw.norm2Number());
        assertThat(a.features().getRow(7).equalsWithEps(expected.reshape(8), 1e-5)).isTrue();
    }

    @Test
    void reportsHeldOutAccuracyAsAnEpochMetric() {
        TinyEncoder encoder = new TinyEncoder(16, 32, 4, 3, DataType.FLOAT);
        KnnMonitor monitor = new KnnMonitor(encoder, new Quadrants(80, 4), new Quadrants(40, 5), extractor(16), 5, 0.1);
        EpochReport report = new EpochReport(new TrainingPosition(1, 0, 10, 10), 10, 1.0, 0.5, 100, 0.03);
        monitor.afterEpoch(report);
        // a random linear map of well-separated quadrant images keeps the classes apart
        assertThat(report.metric(EpochReport.KNN_ACCURACY)).hasValue(1.0);
    }
}
