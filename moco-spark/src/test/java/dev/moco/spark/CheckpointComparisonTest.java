package dev.moco.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.core.checkpoint.Checkpoint;
import dev.moco.core.run.TrainingPosition;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointComparisonTest {

    private static final TrainingPosition STEP_8 = new TrainingPosition(2, 0, 8, 4);

    @Test
    void equalValuesAreEqualBitForBit() {
        CheckpointComparison c = CheckpointComparison.of(checkpoint(STEP_8, 1f, 2f), checkpoint(STEP_8, 1f, 2f));
        assertThat(c.bitwise()).isTrue();
        assertThat(c.equalWithin(0)).isTrue();
        assertThat(c.verdict(1e-5)).isEqualTo("equal: all 2 tensors bit for bit");
    }

    @Test
    void aDifferenceIsRelativeToTheLargerMagnitudeOfTheTensor() {
        // query-encoder/parameters [1, -4] against [1, -4.00002]: 2e-5 / 4.00002
        CheckpointComparison c = CheckpointComparison.of(checkpoint(STEP_8, 1f, -4f), checkpoint(STEP_8, 1f, -4.00002f));
        assertThat(c.bitwise()).isFalse();
        assertThat(c.bitwiseEqual()).containsExactly("optimizer/state");
        assertThat(c.largestDifference()).isCloseTo(5e-6, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(c.largestByComponent()).containsKeys("optimizer", "query-encoder");
        assertThat(c.equalWithin(1e-5)).isTrue();
        assertThat(c.equalWithin(1e-6)).isFalse();
        assertThat(c.verdict(1e-5)).startsWith("equal within 1e-05 relative: 1 of 2 tensors bit for bit, the largest difference 5.0")
                .endsWith("(query-encoder/parameters)");
        assertThat(c.verdict(1e-6)).startsWith("different: 1 of 2 tensors beyond 1e-06 relative, the largest 5.0")
                .endsWith("(query-encoder/parameters)");
    }

    @Test
    void checkpointsAtOtherPositionsDifferWhateverTheirTensors() {
        CheckpointComparison c = CheckpointComparison.of(checkpoint(STEP_8, 1f, 2f),
                checkpoint(new TrainingPosition(1, 2, 6, 4), 1f, 2f));
        assertThat(c.equalWithin(1)).isFalse();
        assertThat(c.verdict(1e-5)).isEqualTo("different: the first is at epoch 2, global step 8, the second at epoch 1, global step 6");
    }

    @Test
    void aTensorOnlyOneHoldsOrOfAnotherShapeIsNamed() {
        Checkpoint a = Checkpoint.builder(STEP_8).tensor(Checkpoint.QUERY_ENCODER, "parameters", Nd4j.createFromArray(1f, 2f))
                .tensor(Checkpoint.DICTIONARY, "queue", Nd4j.zeros(2, 3)).build();
        Checkpoint b = Checkpoint.builder(STEP_8).tensor(Checkpoint.QUERY_ENCODER, "parameters", Nd4j.createFromArray(1f, 2f, 3f))
                .tensor(Checkpoint.OPTIMIZER, "state", Nd4j.zeros(2)).build();
        CheckpointComparison c = CheckpointComparison.of(a, b);
        assertThat(c.equalWithin(1)).isFalse();
        assertThat(c.mismatches()).containsExactly("query-encoder/parameters is FLOAT [2] against FLOAT [3]",
                "dictionary/queue is only in the first", "optimizer/state is only in the second");
    }

    /** A checkpoint of two tensors: query-encoder/parameters [first, second] and optimizer/state [0.5, 0.25]. */
    private static Checkpoint checkpoint(TrainingPosition position, float first, float second) {
        INDArray parameters = Nd4j.createFromArray(first, second);
        return Checkpoint.builder(position).tensor(Checkpoint.QUERY_ENCODER, "parameters", parameters)
                .tensor(Checkpoint.OPTIMIZER, "state", Nd4j.createFromArray(0.5f, 0.25f)).build();
    }
}
