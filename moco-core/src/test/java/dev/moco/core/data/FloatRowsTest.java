package dev.moco.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FloatRowsTest {

    @Test
    void rowsOnlyGrowAndAreKeptWhileLargeEnough() {
        float[][] rows = FloatRows.atLeast(new float[0][0], 3, 10);
        assertThat(rows).hasNumberOfRows(3);
        assertThat(rows[0]).hasSize(10);
        assertThat(FloatRows.atLeast(rows, 2, 8)).isSameAs(rows);
        float[][] wider = FloatRows.atLeast(rows, 2, 12);
        assertThat(wider).hasNumberOfRows(3); // keeps the larger count
        assertThat(wider[2]).hasSize(12);
        float[][] more = FloatRows.atLeast(wider, 5, 4);
        assertThat(more).hasNumberOfRows(5);
        assertThat(more[4]).hasSize(12); // keeps the larger width
    }

    @Test
    void multiplyAndMultiplyAddTouchOnlyTheGivenLength() {
        float[] out = {9f, 9f, 9f};
        FloatRows.multiply(out, new float[] {1f, 2f, 3f}, 0.5f, 2);
        assertThat(out).containsExactly(0.5f, 1f, 9f);
        FloatRows.multiplyAdd(out, new float[] {2f, 4f, 6f}, 0.25f, 2);
        assertThat(out).containsExactly(1f, 2f, 9f);
    }
}
