package dev.moco.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TensorRestoreTest {

    @Test
    void copiesIntoLiveViews() {
        INDArray backing = Nd4j.zeros(DataType.FLOAT, 10);
        INDArray view = backing.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 6));
        TensorRestore.copy("optimizer", Map.of("velocity", view), Map.of("velocity", Nd4j.ones(DataType.FLOAT, 4)));
        assertThat(backing.toFloatVector()).containsExactly(0, 0, 1, 1, 1, 1, 0, 0, 0, 0);
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() {
        Map<String, INDArray> live = Map.of("queue", Nd4j.zeros(DataType.FLOAT, 4096, 128));
        Map<String, INDArray> saved = Map.of("queue", Nd4j.zeros(DataType.FLOAT, 256, 128));
        assertThatThrownBy(() -> TensorRestore.copy("dictionary", live, saved))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("checkpoint does not fit this run: dictionary/queue has shape [256, 128]"
                        + " in the checkpoint but [4096, 128] here");
        assertThat(live.get("queue").sumNumber().doubleValue()).isZero();
    }

    @Test
    void missingAndExtraNamesAreListed() {
        assertThatThrownBy(() -> TensorRestore.requireCompatible("dictionary",
                Map.of("queue", Nd4j.zeros(2), "pointer", Nd4j.zeros(1)),
                Map.of("queue", Nd4j.zeros(2), "bank", Nd4j.zeros(3))))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("checkpoint does not fit this run: dictionary lacks [pointer] and has unexpected [bank]");
    }
}
