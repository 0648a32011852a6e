package dev.moco.encoders.nn;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A parameter-free layer of several inputs, where the branches of a dense head meet: the
 * lateral and top-down paths of a feature pyramid ({@link ElementwiseSum}), or channel-wise
 * stacking ({@link ChannelConcat}).
 *
 * <pre>{@code
 * Merge.Pass p = new ElementwiseSum().forward(List.of(lateral, upsampled));
 * List<INDArray> grads = p.backward(dLossDOutput);   // one gradient per input, in input order
 * }</pre>
 */
public interface Merge {

    /** Runs the merge over {@code inputs} (not modified). */
    Pass forward(List<INDArray> inputs);

    /** One forward pass: its output, and the backward to every input. */
    interface Pass {
        INDArray output();

        /** The gradient with respect to each input, in input order (new arrays). */
        List<INDArray> backward(INDArray outputGradient);
    }
}
