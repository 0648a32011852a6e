package dev.moco.encoders.fast;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The projection head on ND4J: linear (y = x·Wᵀ + b, MoCo v1) or linear–ReLU–linear (MoCo
 * v2), with PyTorch's [out, in] weight layout. It is a few small GEMMs ([N, 64] × [64, 64]),
 * a negligible share of the step, written into preallocated views.
 */
final class ProjectionHeadUnit {

    private final INDArray weight0;
    private final INDArray bias0;
    private final INDArray weight2;
    private final INDArray bias2;

    /** A linear head: {@code weight2}/{@code bias2} are null. */
    ProjectionHeadUnit(INDArray weight0, INDArray bias0, INDArray weight2, INDArray bias2) {
        this.weight0 = weight0;
        this.bias0 = bias0;
        this.weight2 = weight2;
        this.bias2 = bias2;
    }

    boolean isMlp() {
        return weight2 != null;
    }

    /** out = head(x); {@code hidden} holds relu(x·W0ᵀ + b0) for an MLP (unused otherwise). */
    void forward(INDArray x, INDArray hidden, INDArray out) {
        if (!isMlp()) {
            Nd4j.gemm(x, weight0, out, false, true, 1.0, 0.0);
            out.addiRowVector(bias0);
            return;
        }
        Nd4j.gemm(x, weight0, hidden, false, true, 1.0, 0.0);
        hidden.addiRowVector(bias0);
        FloatBuffer h = Dnnl.floatBuffer(Dnnl.address(hidden), hidden.length());
        for (int i = 0, n = (int) hidden.length(); i < n; i++) {
            if (h.get(i) < 0f) {
                h.put(i, 0f);
            }
        }
        Nd4j.gemm(hidden, weight2, out, false, true, 1.0, 0.0);
        out.addiRowVector(bias2);
    }

    /**
     * Writes the head's parameter gradients [dW0, db0, dW2, db2] (overwriting) and
     * {@code diffX} = d loss / d x.
     *
     * @param diffHidden scratch of the hidden activations' shape (MLP only)
     */
    void backward(INDArray diffOut, INDArray x, INDArray hidden, INDArray diffHidden, INDArray diffX,
                  INDArray[] gradients) {
        if (!isMlp()) {
            Nd4j.gemm(diffOut, x, gradients[0], true, false, 1.0, 0.0);
            diffOut.sum(gradients[1], 0);
            Nd4j.gemm(diffOut, weight0, diffX, false, false, 1.0, 0.0);
            return;
        }
        Nd4j.gemm(diffOut, hidden, gradients[2], true, false, 1.0, 0.0);
        diffOut.sum(gradients[3], 0);
        Nd4j.gemm(diffOut, weight2, diffHidden, false, false, 1.0, 0.0);
        FloatBuffer h = Dnnl.floatBuffer(Dnnl.address(hidden), hidden.length());
        FloatBuffer d = Dnnl.floatBuffer(Dnnl.address(diffHidden), diffHidden.length());
        for (int i = 0, n = (int) hidden.length(); i < n; i++) {
            if (h.get(i) <= 0f) {
                d.put(i, 0f);
            }
        }
        Nd4j.gemm(diffHidden, x, gradients[0], true, false, 1.0, 0.0);
        diffHidden.sum(gradients[1], 0);
        Nd4j.gemm(diffHidden, weight0, diffX, false, false, 1.0, 0.0);
    }
}
