package dev.moco.encoders.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A tensor of a weights file, not yet read: a strided view (PyTorch's offset, size and stride)
 * of a {@link TorchStorage}. Reading is deferred so that a checkpoint's optimizer state, key
 * encoder and queue cost nothing when only the query encoder is wanted; the view's extent is
 * checked against the storage when the tensor is made.
 */
public final class StoredTensor {

    private final String file;
    private final TorchStorage storage;
    private final long offset;
    private final long[] shape;
    private final long[] stride;
    private final long elements;

    private StoredTensor(String file, TorchStorage storage, long offset, long[] shape, long[] stride, long elements) {
        this.file = file;
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.stride = stride;
        this.elements = elements;
    }

    /**
     * A view of {@code storage}.
     *
     * @throws WeightsFileException if the shape or strides are negative, the element count
     *     overflows what one array can hold, or the view reaches past the storage's end
     */
    public static StoredTensor view(String file, TorchStorage storage, long offset, long[] shape, long[] stride) {
        if (shape.length != stride.length) {
            throw new WeightsFileException(file + ": tensor of storage '" + storage.key() + "' has size " + Arrays.toString(shape)
                    + " but stride " + Arrays.toString(stride));
        }
        if (offset < 0) {
            throw new WeightsFileException(file + ": tensor of storage '" + storage.key() + "' has negative offset " + offset);
        }
        long count = 1;
        long last = offset;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0 || stride[d] < 0) {
                throw new WeightsFileException(file + ": tensor of storage '" + storage.key() + "' has size "
                        + Arrays.toString(shape) + " and stride " + Arrays.toString(stride) + "; negative values are not a tensor");
            }
            try {
                count = Math.multiplyExact(count, shape[d]);
                if (shape[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[d] - 1, stride[d]));
                }
            } catch (ArithmeticException e) {
                throw new WeightsFileException(file + ": tensor of storage '" + storage.key() + "' has size "
                        + Arrays.toString(shape) + " whose extent overflows 64 bits");
            }
        }
        if (count > 0 && last >= storage.elements()) {
            throw new WeightsFileException(file + ": tensor of size " + Arrays.toString(shape) + " at offset " + offset
                    + " reaches element " + last + " of storage '" + storage.key() + "', which holds " + storage.elements());
        }
        if (count > 0 && (last - offset + 1) * storage.dtype().bytes() > Integer.MAX_VALUE - 8) {
            throw new WeightsFileException(file + ": tensor of size " + Arrays.toString(shape) + " in storage '" + storage.key()
                    + "' spans more than 2 GiB; larger tensors are not supported");
        }
        return new StoredTensor(file, storage, offset, shape.clone(), stride.clone(), count);
    }

    public long[] shape() {
        return shape.clone();
    }

    public TorchDType dtype() {
        return storage.dtype();
    }

    public long elements() {
        return elements;
    }

    /** The storage this tensor views. */
    public TorchStorage storage() {
        return storage;
    }

    /**
     * Reads the tensor: floating types as FLOAT, integer types as LONG, in C order.
     *
     * @throws UncheckedIOException if the file cannot be read
     */
    public INDArray load() {
        TorchDType dtype = storage.dtype();
        if (elements == 0) {
            return Nd4j.create(dtype.loadedType(), shape);
        }
        long span = 1;
        for (int d = 0; d < shape.length; d++) {
            span += (shape[d] - 1) * stride[d];
        }
        ByteBuffer data;
        try {
            data = storage.bytes().read(offset * dtype.bytes(), Math.toIntExact(span * dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read storage '" + storage.key() + "': " + e.getMessage(), e);
        }
        int n = (int) elements;
        int[] index = sourceIndices(n);
        if (dtype.floating()) {
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                values[i] = dtype.floatAt(data, index == null ? i : index[i]);
            }
            return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.createFromArray(values).reshape('c', shape);
        }
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = dtype.longAt(data, index == null ? i : index[i]);
        }
        return shape.length == 0 ? Nd4j.scalar(DataType.LONG, values[0]) : Nd4j.createFromArray(values).reshape('c', shape);
    }

    /** For each element in C order, its position in the read span; null when the view is C-contiguous. */
    private int[] sourceIndices(int n) {
        boolean contiguous = true;
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                contiguous = false;
            }
            expected *= shape[d];
        }
        if (contiguous) {
            return null;
        }
        int[] index = new int[n];
        long[] position = new long[shape.length];
        for (int i = 0; i < n; i++) {
            long at = 0;
            for (int d = 0; d < shape.length; d++) {
                at += position[d] * stride[d];
            }
            index[i] = (int) at;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++position[d] < shape[d]) {
                    break;
                }
                position[d] = 0;
            }
        }
        return index;
    }

    @Override
    public String toString() {
        return dtype().name().toLowerCase(java.util.Locale.ROOT) + Arrays.toString(shape);
    }
}
