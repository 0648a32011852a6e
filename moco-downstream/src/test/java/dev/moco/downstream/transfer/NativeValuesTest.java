package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The native reads and writes give exactly what ND4J's own conversions give. */
class NativeValuesTest {

    @Test
    void toDoublesIsDupAsDoubleForFloatDoubleAndViews() {
        INDArray floats = Nd4j.randn(DataType.FLOAT, 3, 5, 4, 2);
        INDArray doubles = Nd4j.randn(DataType.DOUBLE, 3, 5, 4, 2);
        INDArray view = floats.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(2, 5), NDArrayIndex.all(),
                NDArrayIndex.point(1));
        INDArray transposed = doubles.permute(3, 2, 1, 0);
        for (INDArray a : new INDArray[] {floats, doubles, view, transposed}) {
            assertThat(NativeValues.toDoubles(a)).containsExactly(a.dup('c').data().asDouble());
        }
    }
}
