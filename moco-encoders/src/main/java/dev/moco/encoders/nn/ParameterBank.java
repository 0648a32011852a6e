package dev.moco.encoders.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Owns the storage of a network: one flat vector of trainable parameters, one flat vector of
 * their gradients (same layout), and one flat vector of buffers (BN running statistics).
 * Every {@link Parameter} is a view into these, so the momentum update and the optimizer are
 * single vector operations over {@link #parameters()}.
 *
 * <p>Usage: layers {@link #register} their tensors while the network is built; then
 * {@link #allocate} creates the vectors, binds the views and fills them with each
 * parameter's {@link Initializer}, in registration order from one seeded generator (so a seed
 * determines the network). Order of registration is the layout.
 *
 * <pre>{@code
 * ParameterBank bank = new ParameterBank();
 * Conv2d conv = new Conv2d(bank, "conv1", 3, 16, 3, 1, 1);
 * bank.allocate(DataType.FLOAT, 42L);
 * INDArray theta = bank.parameters();
 * }</pre>
 */
public final class ParameterBank {

    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private INDArray parameters;
    private INDArray gradients;
    private INDArray buffers;

    /** Declares a tensor; its views exist after {@link #allocate}. Names must be unique. */
    public Parameter register(String name, long[] shape, Parameter.Kind kind, Initializer initializer) {
        if (parameters != null) {
            throw new IllegalStateException("cannot register '" + name + "': the bank is already allocated");
        }
        if (byName.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name '" + name + "'");
        }
        Parameter p = new Parameter(name, shape, kind, initializer);
        byName.put(name, p);
        return p;
    }

    /**
     * Creates the flat vectors and binds every parameter's views.
     *
     * @param seed seeds the initializers; {@code null} leaves the storage zeroed (for a copy
     *     whose values are assigned right after)
     */
    public void allocate(DataType dataType, Long seed) {
        if (parameters != null) {
            throw new IllegalStateException("the bank is already allocated");
        }
        long trainable = 0;
        long buffer = 0;
        for (Parameter p : byName.values()) {
            if (p.kind() == Parameter.Kind.TRAINABLE) {
                trainable += p.length();
            } else {
                buffer += p.length();
            }
        }
        parameters = Nd4j.zeros(dataType, trainable);
        gradients = Nd4j.zeros(dataType, trainable);
        buffers = Nd4j.zeros(dataType, buffer);
        SplittableRandom random = seed == null ? null : new SplittableRandom(seed);
        long paramOffset = 0;
        long bufferOffset = 0;
        for (Parameter p : byName.values()) {
            long n = p.length();
            if (p.kind() == Parameter.Kind.TRAINABLE) {
                p.bind(view(parameters, paramOffset, p.shape()), view(gradients, paramOffset, p.shape()));
                paramOffset += n;
            } else {
                p.bind(view(buffers, bufferOffset, p.shape()), null);
                bufferOffset += n;
            }
            if (random != null) {
                double[] values = new double[Math.toIntExact(n)];
                p.initializer().fill(values, random);
                p.value().assign(Nd4j.create(values, p.shape(), DataType.DOUBLE).castTo(dataType));
            }
        }
    }

    private static INDArray view(INDArray flat, long offset, long[] shape) {
        long length = 1;
        for (long s : shape) {
            length *= s;
        }
        return flat.get(NDArrayIndex.interval(offset, offset + length)).reshape('c', shape);
    }

    /** All trainable parameters, one flat vector. */
    public INDArray parameters() {
        requireAllocated();
        return parameters;
    }

    /** Gradients, laid out like {@link #parameters()}. */
    public INDArray gradients() {
        requireAllocated();
        return gradients;
    }

    /** All buffers (running statistics), one flat vector; length 0 if none. */
    public INDArray buffers() {
        requireAllocated();
        return buffers;
    }

    /**
     * Views of every trainable tensor, by name, into another vector laid out like
     * {@link #parameters()} (e.g. a second gradient accumulator).
     */
    public Map<String, INDArray> trainableViewsOf(INDArray flat) {
        requireAllocated();
        if (flat.length() != parameters.length()) {
            throw new IllegalArgumentException("a vector of " + flat.length() + " values is not laid out like the "
                    + parameters.length() + " parameters");
        }
        Map<String, INDArray> views = new LinkedHashMap<>();
        long offset = 0;
        for (Parameter p : byName.values()) {
            if (p.kind() == Parameter.Kind.TRAINABLE) {
                views.put(p.name(), view(flat, offset, p.shape()));
                offset += p.length();
            }
        }
        return Collections.unmodifiableMap(views);
    }

    /** Frees the three vectors now rather than at garbage collection; the bank must not be used afterwards. */
    public void close() {
        if (parameters != null) {
            for (INDArray a : new INDArray[] {parameters, gradients, buffers}) {
                if (a.length() > 0 && !a.wasClosed()) {
                    a.close();
                }
            }
        }
    }

    /** Every tensor's value view by name, trainable and buffer, in registration order. */
    public Map<String, INDArray> valuesByName() {
        requireAllocated();
        Map<String, INDArray> map = new LinkedHashMap<>();
        for (Parameter p : byName.values()) {
            map.put(p.name(), p.value());
        }
        return Collections.unmodifiableMap(map);
    }

    /** Every registered tensor, trainable and buffer, in registration order. */
    public List<Parameter> all() {
        return Collections.unmodifiableList(new ArrayList<>(byName.values()));
    }

    /** The tensor with this name, or an exception naming it. */
    public Parameter get(String name) {
        Parameter p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return p;
    }

    private void requireAllocated() {
        if (parameters == null) {
            throw new IllegalStateException("the bank is not allocated yet: call allocate first");
        }
    }
}
