package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moco.core.data.augment.Normalize;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class SequentialBatchIteratorTest {

    @Test
    void deliversEveryImageInOrderWithLabelsAndAPartialLastBatch() {
        ImageShape shape = new ImageShape(1, 3, 3);
        ImageDataset data = new SyntheticDataset(10, shape, 4);
        SequentialBatchIterator batches = SequentialBatchIterator.normalized(data, 4, Normalize.FASHION_MNIST);
        int expectedFirst = 0;
        int[] sizes = new int[3];
        int b = 0;
        float[] raw = new float[9];
        while (batches.hasNext()) {
            LabelledBatch batch = batches.next();
            assertThat(batch.firstIndex()).isEqualTo(expectedFirst);
            sizes[b++] = batch.size();
            assertThat(batch.images().shape()).containsExactly(batch.size(), 1, 3, 3);
            for (int i = 0; i < batch.size(); i++) {
                int index = expectedFirst + i;
                assertThat(batch.labels()[i]).isEqualTo(index % 4);
                data.readImage(index, raw, 0);
                for (int p = 0; p < 9; p++) {
                    assertThat(batch.images().getFloat(i, 0, p / 3, p % 3))
                            .isCloseTo((raw[p] - 0.2860f) / 0.3530f, within(1e-5f));
                }
            }
            expectedFirst += batch.size();
        }
        assertThat(sizes).containsExactly(4, 4, 2);
        assertThatThrownBy(batches::next).isInstanceOf(NoSuchElementException.class);
    }
}
