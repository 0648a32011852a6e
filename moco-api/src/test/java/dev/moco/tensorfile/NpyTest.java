package dev.moco.tensorfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NpyTest {

    private static byte[] bytes(INDArray a) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(a, out);
        return out.toByteArray();
    }

    @Test
    void headerIsWhatNumpyWritesForAFloatMatrix() throws IOException {
        byte[] data = bytes(Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, 'c'));
        // numpy.save of np.arange(1, 7, dtype='<f4').reshape(2, 3): 128-byte header, 24 data bytes
        assertThat(data).hasSize(128 + 24);
        assertThat(Arrays.copyOfRange(data, 0, 8)).containsExactly(0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0);
        int headerLength = (data[8] & 0xff) | (data[9] & 0xff) << 8;
        assertThat(10 + headerLength).isEqualTo(128);
        String header = new String(data, 10, headerLength, StandardCharsets.US_ASCII);
        assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }").endsWith(" \n");
        // 1.0f little-endian
        assertThat(Arrays.copyOfRange(data, 128, 132)).containsExactly(0, 0, 0x80, 0x3f);
    }

    @Test
    void vectorShapeHasTrailingComma() throws IOException {
        String header = new String(bytes(Nd4j.createFromArray(1L, 2L, 3L)), 10, 70, StandardCharsets.US_ASCII);
        assertThat(header).contains("'descr': '<i8'").contains("'shape': (3,)");
    }

    @Test
    void roundTripsEveryTypeAndViews() throws IOException {
        INDArray f = Nd4j.rand(DataType.FLOAT, 3, 4, 5);
        INDArray d = Nd4j.rand(DataType.DOUBLE, 7);
        INDArray i = Nd4j.createFromArray(new int[] {-3, 0, 9, Integer.MAX_VALUE}).reshape(2, 2);
        INDArray l = Nd4j.createFromArray(Long.MIN_VALUE, 5L);
        INDArray fortranView = Nd4j.rand(DataType.FLOAT, 'f', 4, 6).get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3), org.nd4j.linalg.indexing.NDArrayIndex.all());
        for (INDArray a : new INDArray[] {f, d, i, l, fortranView}) {
            INDArray back = Npy.read(new ByteArrayInputStream(bytes(a)));
            assertThat(back.dataType()).isEqualTo(a.dataType());
            assertThat(back.shape()).containsExactly(a.shape());
            assertThat(back).isEqualTo(a);
            assertThat(Npy.byteSize(a)).isEqualTo(bytes(a).length);
        }
    }

    @Test
    void roundTripsEmptyArrays() throws IOException {
        INDArray back = Npy.read(new ByteArrayInputStream(bytes(Nd4j.create(DataType.FLOAT, 0))));
        assertThat(back.length()).isZero();
        assertThat(back.shape()).containsExactly(0L);
    }

    @Test
    void emptyArraysWithoutDimensionsBecomeZeroLengthVectors() throws IOException {
        INDArray back = Npy.read(new ByteArrayInputStream(bytes(Nd4j.empty(DataType.FLOAT))));
        assertThat(back.length()).isZero();
        assertThat(back.shape()).containsExactly(0L);
    }

    @Test
    void writesLabelVectors() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(new long[] {4, 0, 9}, out);
        INDArray back = Npy.read(new ByteArrayInputStream(out.toByteArray()));
        assertThat(back.toLongVector()).containsExactly(4, 0, 9);
    }

    @Test
    void truncatedDataIsReported() throws IOException {
        byte[] data = bytes(Nd4j.rand(DataType.FLOAT, 10));
        byte[] cut = Arrays.copyOf(data, data.length - 3);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(cut)))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated");
    }

    @Test
    void rejectsOtherStreamsAndTypes() {
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream("PK\3\4 not numpy".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(IOException.class).hasMessageContaining("not a .npy");
        assertThatThrownBy(() -> bytes(Nd4j.create(DataType.BOOL, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BOOL");
    }
}
