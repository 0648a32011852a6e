package dev.moco.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.moco.api.Encoder;
import dev.moco.api.testing.TinyEncoder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ForwardingEncoderTest {

    /** A wrapper that changes nothing but how it copies. */
    private static final class Plain extends ForwardingEncoder {
        Plain(Encoder delegate) {
            super(delegate);
        }

        @Override
        public Encoder copy() {
            return new Plain(delegate().copy());
        }
    }

    @Test
    void everyCallReachesTheDelegate() {
        TinyEncoder inner = new TinyEncoder(6, 5, 3, 1, DataType.DOUBLE);
        Encoder wrapped = new Plain(inner);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 1, 2, 3);

        assertThat(wrapped.outputDimension()).isEqualTo(inner.outputDimension());
        assertThat(wrapped.representationDimension()).isEqualTo(inner.representationDimension());
        assertThat(wrapped.parameters()).isSameAs(inner.parameters());
        assertThat(wrapped.buffers()).isSameAs(inner.buffers());
        assertThat(wrapped.represent(x)).isEqualTo(inner.represent(x));

        Encoder.Pass pass = wrapped.forward(x, Encoder.Mode.TRAINING, 2);
        assertThat(pass.output()).isEqualTo(inner.forward(x, Encoder.Mode.TRAINING, 2).output());
        wrapped.zeroGradients();
        pass.backward(Nd4j.onesLike(pass.output()));
        assertThat(inner.gradients().norm2Number().doubleValue()).isPositive();
        wrapped.zeroGradients();
        assertThat(inner.gradients().norm2Number().doubleValue()).isZero();
    }

    @Test
    void aCopyIsWrappedAndIndependent() {
        Encoder wrapped = new Plain(new TinyEncoder(6, 5, 3, 1, DataType.DOUBLE));
        Encoder copy = wrapped.copy();
        assertThat(copy).isInstanceOf(Plain.class);
        assertThat(copy.parameters()).isEqualTo(wrapped.parameters()).isNotSameAs(wrapped.parameters());
        copy.parameters().addi(1);
        assertThat(copy.parameters()).isNotEqualTo(wrapped.parameters());
    }
}
