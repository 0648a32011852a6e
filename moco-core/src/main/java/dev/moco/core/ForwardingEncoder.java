package dev.moco.core;

import dev.moco.api.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An {@link Encoder} that passes every call to another one, for wrappers that change one or
 * two calls (timing the passes, recording which copy was closed, hiding the buffers) and keep
 * the rest. {@link #copy()} is left to the subclass: a wrapper that forgot it would hand
 * dictionaries an unwrapped key encoder.
 */
public abstract class ForwardingEncoder implements Encoder {

    private final Encoder delegate;

    /** @param delegate the encoder every call goes to */
    protected ForwardingEncoder(Encoder delegate) {
        this.delegate = delegate;
    }

    /** {@return the encoder every call goes to} */
    protected final Encoder delegate() {
        return delegate;
    }

    /** {@return a copy of {@link #delegate()}, wrapped as this one is} */
    @Override
    public abstract Encoder copy();

    @Override
    public Pass forward(INDArray input, Mode mode, int normalizationGroups) {
        return delegate.forward(input, mode, normalizationGroups);
    }

    @Override
    public INDArray represent(INDArray input) {
        return delegate.represent(input);
    }

    @Override
    public int outputDimension() {
        return delegate.outputDimension();
    }

    @Override
    public int representationDimension() {
        return delegate.representationDimension();
    }

    @Override
    public INDArray parameters() {
        return delegate.parameters();
    }

    @Override
    public INDArray gradients() {
        return delegate.gradients();
    }

    @Override
    public void zeroGradients() {
        delegate.zeroGradients();
    }

    @Override
    public INDArray buffers() {
        return delegate.buffers();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
