package dev.moco.downstream.transfer;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A head's output read once into doubles, and the gradient of the losses on it summed beside
 * it, in Java arrays reused from step to step: what a task's losses share, so that a training
 * step reads its output once and allocates no array of the output's size on the heap. Each
 * loss adds its gradient ({@code +=}) to {@link #gradient()}; {@link #gradientArray()} writes
 * the sum out once.
 *
 * <pre>{@code
 * return buffers.evaluate(output, b -> CenterNetLoss.accumulate(b, targets).total()
 *         + PrototypeMaskLoss.accumulate(b, weight, ...));
 * }</pre>
 *
 * One per task; a step at a time (the losses may split a step over threads, each writing its own elements).
 */
final class LossBuffers {

    private double[] output = new double[0];
    private double[] gradient = new double[0];
    private long[] shape;
    private DataType type;

    /**
     * Reads {@code output}, lets {@code losses} add their gradients to these buffers, and
     * returns the value they return with the summed gradient ({@link #gradientArray()}).
     */
    LossResult evaluate(INDArray output, ToDoubleFunction<LossBuffers> losses) {
        read(output);
        double value = losses.applyAsDouble(this);
        return new LossResult(value, gradientArray());
    }

    /**
     * Reads {@code output}'s elements in row-major order into {@link #output()} and zeroes the
     * gradient's first {@code output.length()} elements; the arrays grow to the largest output seen.
     */
    LossBuffers read(INDArray output) {
        int length = Math.toIntExact(output.length());
        if (this.output.length < length) {
            this.output = new double[length];
            this.gradient = new double[length];
        }
        NativeValues.of(output).read(0, this.output, length);
        Arrays.fill(gradient, 0, length, 0);
        this.shape = output.shape();
        this.type = output.dataType();
        return this;
    }

    /** The output read last, row-major; longer than the output when a larger one was read before. */
    double[] output() {
        return output;
    }

    /** The gradient summed so far, laid out as {@link #output()}. */
    double[] gradient() {
        return gradient;
    }

    /** The shape of the output read last. */
    long[] shape() {
        return shape.clone();
    }

    /**
     * The summed gradient as a new row-major array of the output's type and shape (each FLOAT
     * element rounded as {@code (float) v}), in the current workspace if one is open.
     */
    INDArray gradientArray() {
        INDArray array = Nd4j.createUninitialized(type, shape, 'c');
        NativeValues.of(array).write(0, gradient, Math.toIntExact(array.length()));
        return array;
    }
}
