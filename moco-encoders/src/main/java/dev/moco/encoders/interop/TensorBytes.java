package dev.moco.encoders.interop;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The elements of an array in C order, little-endian, as float32 or int64: what the writers store. */
final class TensorBytes {

    private TensorBytes() {
    }

    static byte[] of(INDArray array, TorchDType type) {
        INDArray c = array.castTo(type.loadedType()).dup('c');
        long n = c.length();
        if (n * type.bytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a tensor of " + n + " elements is too large to write");
        }
        ByteBuffer b = ByteBuffer.allocate((int) n * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (type == TorchDType.FLOAT32) {
            b.asFloatBuffer().put(c.data().asFloat(), 0, (int) n);
        } else if (type == TorchDType.INT64) {
            b.asLongBuffer().put(c.data().asLong(), 0, (int) n);
        } else {
            throw new IllegalArgumentException("writing " + type + " is not supported");
        }
        return b.array();
    }

    /** C-order strides of {@code shape}, in elements. */
    static long[] contiguousStrides(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d];
        }
        return stride;
    }
}
