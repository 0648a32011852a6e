package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DatasetSplitTest {

    private static final ImageDataset DATA = new SyntheticDataset(100, new ImageShape(1, 2, 2), 10);

    @Test
    void holdsOutADisjointSortedStableSubset() {
        DatasetSplit split = DatasetSplit.holdOut(DATA, 20, 42);
        assertThat(split.train().size()).isEqualTo(80);
        assertThat(split.heldOut().size()).isEqualTo(20);
        int[] train = split.train().parentIndices();
        int[] held = split.heldOut().parentIndices();
        assertThat(train).isSorted();
        assertThat(held).isSorted();
        int[] union = IntStream.concat(Arrays.stream(train), Arrays.stream(held)).sorted().toArray();
        assertThat(union).isEqualTo(IntStream.range(0, 100).toArray());
        assertThat(DatasetSplit.holdOut(DATA, 20, 42)).isEqualTo(split);
        assertThat(DatasetSplit.holdOut(DATA, 20, 43).heldOut().parentIndices()).isNotEqualTo(held);
        assertThat(DatasetSplit.holdOutFraction(DATA, 0.2, 42)).isEqualTo(split);
    }

    @Test
    void subsetReadsThroughToItsParent() {
        Subset subset = Subset.of(DATA, new int[] {7, 3});
        assertThat(subset.size()).isEqualTo(2);
        assertThat(subset.label(0)).isEqualTo(7);
        assertThat(subset.parentIndex(1)).isEqualTo(3);
        float[] viaSubset = new float[4];
        float[] direct = new float[4];
        subset.readImage(1, viaSubset, 0);
        DATA.readImage(3, direct, 0);
        assertThat(viaSubset).containsExactly(direct);
        assertThatThrownBy(() -> Subset.of(DATA, new int[] {100}))
                .hasMessageContaining("outside the parent data set of 100 images");
    }

    @Test
    void ofClassesKeepsTheImagesOfTheChosenClassesInTheParentsOrder() {
        Subset classes = Subset.ofClasses(DATA, 7, 2);
        assertThat(classes.parentIndices()).isEqualTo(IntStream.range(0, 100).filter(i -> i % 10 == 2 || i % 10 == 7).toArray());
        assertThat(IntStream.range(0, classes.size()).map(classes::label).distinct().sorted().toArray()).containsExactly(2, 7);
    }

    @Test
    void ofClassesNamesAnUnknownOrRepeatedClassAndAnEmptyChoice() {
        assertThatThrownBy(() -> Subset.ofClasses(DATA, 3, 10))
                .hasMessage("class 10 has no images; the classes present are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9");
        assertThatThrownBy(() -> Subset.ofClasses(DATA, -1)).hasMessageStartingWith("class -1 has no images");
        assertThatThrownBy(() -> Subset.ofClasses(DATA, 4, 4)).hasMessage("class 4 is listed twice");
        assertThatThrownBy(() -> Subset.ofClasses(DATA)).hasMessage("no classes chosen: name at least one label");
    }

    @Test
    void rejectsImpossibleSplits() {
        assertThatThrownBy(() -> DatasetSplit.holdOut(DATA, 101, 0)).hasMessageContaining("cannot hold out 101 of 100");
        assertThatThrownBy(() -> DatasetSplit.holdOutFraction(DATA, 1.5, 0)).hasMessageContaining("[0, 1]");
    }
}
