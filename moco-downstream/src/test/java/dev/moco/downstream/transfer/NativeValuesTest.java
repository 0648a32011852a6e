package dev.moco.downstream.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void fromDoublesIsNd4jCreateBitForBit() {
        double[] values = Nd4j.randn(DataType.DOUBLE, 2, 3, 4).data().asDouble();
        values[0] = 1e-40;      // below float's normal range: rounds as a cast does
        values[1] = 1.0000000596046448;     // halfway between two floats
        long[] shape = {2, 3, 4};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray ours = NativeValues.fromDoubles(values, shape, type);
            INDArray theirs = Nd4j.create(values, shape, type);
            assertThat(ours.dataType()).isEqualTo(type);
            assertThat(ours.shape()).containsExactly(shape);
            assertThat(ours.ordering()).isEqualTo('c');
            assertThat(ours.dup().data().asDouble()).containsExactly(theirs.data().asDouble());
        }
        assertThatThrownBy(() -> NativeValues.fromDoubles(values, new long[] {5, 5}, DataType.FLOAT))
                .hasMessage("24 values for shape [5, 5]");
    }
}
