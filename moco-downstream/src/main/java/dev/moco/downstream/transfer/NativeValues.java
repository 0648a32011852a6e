package dev.moco.downstream.transfer;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The elements of a FLOAT or DOUBLE array, read and written as doubles straight in its native
 * memory, in row-major order: what the losses use instead of ND4J's element-by-element
 * conversions between float buffers and double[] ({@link #toDoubles}, {@link LossBuffers}),
 * or, in {@link PixelCrossEntropy}, instead of whole copies. A FLOAT element is written as {@code (float) v},
 * the rounding {@link Nd4j#create(double[], long[], DataType)} applies.
 *
 * <pre>{@code
 * NativeValues z = NativeValues.of(logits);                 // a view when logits is dense and row-major
 * INDArray gradient = NativeValues.like(logits);
 * z.read(from, scratch, count);                             // ... compute in scratch ...
 * NativeValues.of(gradient).write(from, scratch, count);
 * }</pre>
 *
 * Threads may write disjoint elements of one view at once; it must not outlive its array.
 */
abstract sealed class NativeValues {

    /** The row-major values of {@code array}: a view of its memory when it is dense and row-major, of a copy otherwise. */
    static NativeValues of(INDArray array) {
        INDArray dense = array.ordering() == 'c' && Shape.hasDefaultStridesForShape(array) ? array : array.dup('c');
        int offset = Math.toIntExact(dense.offset());
        int length = Math.toIntExact(dense.length());
        if (dense.dataType() == DataType.FLOAT) {
            FloatBuffer all = dense.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
            return new Floats(all.position(offset).slice().limit(length));
        }
        if (dense.dataType() == DataType.DOUBLE) {
            DoubleBuffer all = dense.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
            return new Doubles(all.position(offset).slice().limit(length));
        }
        throw new IllegalArgumentException("the transfer losses read FLOAT or DOUBLE outputs, got " + dense.dataType());
    }

    /**
     * {@code array}'s elements in row-major order as a new double[]: what
     * {@code array.dup('c').data().asDouble()} gives, without its copy and element-by-element conversion.
     */
    static double[] toDoubles(INDArray array) {
        double[] values = new double[Math.toIntExact(array.length())];
        of(array).read(0, values, values.length);
        return values;
    }

    /** An uninitialised row-major array of {@code array}'s type and shape, in the current workspace if one is open. */
    static INDArray like(INDArray array) {
        return Nd4j.createUninitialized(array.dataType(), array.shape(), 'c');
    }

    /** True if the elements are FLOAT, so that float precision is all a computation on them keeps. */
    abstract boolean isFloat();

    abstract double get(int index);

    /** Copies elements {@code from} .. {@code from + count − 1} into {@code into[0 .. count − 1]}. */
    abstract void read(int from, double[] into, int count);

    /** Writes {@code values[0 .. count − 1]} to elements {@code from} .. {@code from + count − 1}. */
    abstract void write(int from, double[] values, int count);

    private static final class Floats extends NativeValues {
        private final FloatBuffer values;

        Floats(FloatBuffer values) {
            this.values = values;
        }

        @Override
        boolean isFloat() {
            return true;
        }

        @Override
        double get(int index) {
            return values.get(index);
        }

        @Override
        void read(int from, double[] into, int count) {
            for (int i = 0; i < count; i++) {
                into[i] = values.get(from + i);
            }
        }

        @Override
        void write(int from, double[] source, int count) {
            for (int i = 0; i < count; i++) {
                values.put(from + i, (float) source[i]);
            }
        }
    }

    private static final class Doubles extends NativeValues {
        private final DoubleBuffer values;

        Doubles(DoubleBuffer values) {
            this.values = values;
        }

        @Override
        boolean isFloat() {
            return false;
        }

        @Override
        double get(int index) {
            return values.get(index);
        }

        @Override
        void read(int from, double[] into, int count) {
            values.get(from, into, 0, count);
        }

        @Override
        void write(int from, double[] source, int count) {
            values.put(from, source, 0, count);
        }
    }
}
