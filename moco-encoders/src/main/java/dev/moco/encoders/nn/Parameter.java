package dev.moco.encoders.nn;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A named tensor of a network: a trainable parameter (with a gradient) or a buffer (batch
 * normalisation running statistics, no gradient). Its {@link #value()} and {@link #gradient()}
 * are views into the flat vectors of the {@link ParameterBank} that created it, available once
 * the bank is allocated.
 */
public final class Parameter {

    /** Whether the tensor is trained by gradient or is state such as running statistics. */
    public enum Kind { TRAINABLE, BUFFER }

    private final String name;
    private final long[] shape;
    private final Kind kind;
    private final Initializer initializer;
    private INDArray value;
    private INDArray gradient;

    Parameter(String name, long[] shape, Kind kind, Initializer initializer) {
        this.name = name;
        this.shape = shape.clone();
        this.kind = kind;
        this.initializer = initializer;
    }

    /** torchvision-style dotted name, e.g. {@code layer1.0.conv1.weight}. */
    public String name() {
        return name;
    }

    /** The shape in PyTorch layout (conv [out, in, kh, kw], linear [out, in]). */
    public long[] shape() {
        return shape.clone();
    }

    public long length() {
        return Arrays.stream(shape).reduce(1L, Math::multiplyExact);
    }

    public Kind kind() {
        return kind;
    }

    Initializer initializer() {
        return initializer;
    }

    /** The values, a view into the bank's flat parameter (or buffer) vector. */
    public INDArray value() {
        if (value == null) {
            throw new IllegalStateException("parameter '" + name + "' is not allocated yet: call ParameterBank.allocate first");
        }
        return value;
    }

    /** The gradient, a view into the bank's flat gradient vector; only for trainable parameters. */
    public INDArray gradient() {
        if (kind != Kind.TRAINABLE) {
            throw new IllegalStateException("'" + name + "' is a buffer and has no gradient");
        }
        if (gradient == null) {
            throw new IllegalStateException("parameter '" + name + "' is not allocated yet: call ParameterBank.allocate first");
        }
        return gradient;
    }

    void bind(INDArray value, INDArray gradient) {
        this.value = value;
        this.gradient = gradient;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + (kind == Kind.BUFFER ? " (buffer)" : "");
    }
}
