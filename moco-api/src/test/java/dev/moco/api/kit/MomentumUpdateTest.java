package dev.moco.api.kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moco.api.testing.TinyEncoder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class MomentumUpdateTest {

    private final TinyEncoder query = new TinyEncoder(4, 3, 2, 1, DataType.DOUBLE);
    private final TinyEncoder key = new TinyEncoder(4, 3, 2, 2, DataType.DOUBLE);

    @Test
    void zeroMomentumCopiesTheQueryEncoder() {
        MomentumUpdate.apply(key, query, 0);
        assertThat(key.parameters()).isEqualTo(query.parameters());
    }

    @Test
    void unitMomentumFreezesTheKeyEncoder() {
        INDArray before = key.parameters().dup();
        MomentumUpdate.apply(key, query, 1);
        assertThat(key.parameters()).isEqualTo(before);
    }

    @Test
    void blendsWithMomentumWeightingTheKeyEncoder() {
        INDArray expected = key.parameters().mul(0.9).add(query.parameters().mul(0.1));
        MomentumUpdate.apply(key, query, 0.9);
        assertThat(key.parameters().sub(expected).amaxNumber().doubleValue()).isLessThan(1e-15);
    }

    @Test
    void leavesBatchNormRunningStatisticsAlone() {
        query.buffers().assign(5);
        INDArray before = key.buffers().dup();
        MomentumUpdate.apply(key, query, 0.5);
        assertThat(key.buffers()).isEqualTo(before);
    }

    @Test
    void rejectsMomentumOutsideTheUnitInterval() {
        assertThatThrownBy(() -> MomentumUpdate.apply(key, query, 1.5)).hasMessageContaining("[0, 1]");
    }
}
