package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.moco.core.data.augment.AugmentationPreset;
import dev.moco.core.data.augment.Normalize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Reads the real Fashion-MNIST ({@code apt-get install dataset-fashion-mnist}). */
@Tag("integration")
class FashionMnistIntegrationTest {

    /** The copy embedded in moco-bench, read from the source tree. */
    private static final Path EMBEDDED = Path.of("../moco-bench/src/main/resources")
            .resolve(FashionMnist.RESOURCE_DIRECTORY);

    @Test
    void readsBothSplitsOfTheDebianPackage() throws IOException {
        assumeTrue(Files.isDirectory(FashionMnist.DEBIAN_DIRECTORY),
                "Fashion-MNIST not installed in " + FashionMnist.DEBIAN_DIRECTORY);
        IdxDataset train = IdxDataset.open(FashionMnist.DEBIAN_DIRECTORY, Split.TRAIN);
        IdxDataset test = IdxDataset.open(FashionMnist.DEBIAN_DIRECTORY, Split.TEST);
        assertThat(train.size()).isEqualTo(60_000);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(train.shape()).isEqualTo(new ImageShape(1, 28, 28));
        // the first image of each split is an ankle boot (label 9)
        assertThat(train.label(0)).isEqualTo(9);
        assertThat(test.label(0)).isEqualTo(9);
        int[] perClass = new int[10];
        for (int i = 0; i < train.size(); i++) {
            perClass[train.label(i)]++;
        }
        assertThat(perClass).containsOnly(6_000);
        // the training mean and standard deviation are the ones Normalize.FASHION_MNIST uses
        float[] px = new float[784];
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < train.size(); i++) {
            train.readImage(i, px, 0);
            for (float v : px) {
                sum += v;
                sumSquares += v * v;
            }
        }
        double n = 784.0 * train.size();
        double mean = sum / n;
        double std = Math.sqrt(sumSquares / n - mean * mean);
        assertThat(mean).isBetween(0.2855, 0.2865);
        assertThat(std).isBetween(0.3525, 0.3535);
        assertThat(Normalize.FASHION_MNIST.mean()[0]).isEqualTo(0.2860f);
    }

    @Test
    void embeddedTestSplitMatchesThePackageAndFeedsTheLoader() throws IOException {
        assumeTrue(Files.isDirectory(EMBEDDED), "embedded copy not found at " + EMBEDDED);
        IdxDataset embedded = IdxDataset.open(EMBEDDED, Split.TEST);
        assertThat(embedded.size()).isEqualTo(10_000);
        if (Files.isDirectory(FashionMnist.DEBIAN_DIRECTORY)) {
            IdxDataset packaged = IdxDataset.open(FashionMnist.DEBIAN_DIRECTORY, Split.TEST);
            float[] a = new float[784];
            float[] b = new float[784];
            for (int i = 0; i < 10_000; i += 997) {
                embedded.readImage(i, a, 0);
                packaged.readImage(i, b, 0);
                assertThat(a).containsExactly(b);
                assertThat(embedded.label(i)).isEqualTo(packaged.label(i));
            }
        }
        DatasetSplit split = DatasetSplit.holdOut(embedded, 2_000, 42);
        assertThat(split.train().size()).isEqualTo(8_000);
        try (TwoViewBatchLoader loader = TwoViewBatchLoader.builder(split.train(),
                AugmentationPreset.V2.pipeline(embedded.shape(), Normalize.FASHION_MNIST))
                .batchSize(256).seed(1).workers(2).build()) {
            assertThat(loader.stepsPerEpoch()).isEqualTo(31);
            int batches = 0;
            while (loader.hasNext()) {
                TwoViewBatch batch = loader.next();
                assertThat(batch.queryView().shape()).containsExactly(256, 1, 28, 28);
                batches++;
            }
            assertThat(batches).isEqualTo(31);
        }
    }
}
