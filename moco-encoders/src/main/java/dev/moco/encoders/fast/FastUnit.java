package dev.moco.encoders.fast;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One step of a {@link FastNetwork}: a oneDNN computation from input activations to one output
 * activation, with its backward. Units hold their primitives (created once for their shapes)
 * and views of their parameters; everything that differs per pass — where the activations,
 * the per-pass state and the gradients live — arrives as addresses in {@link UnitAddresses},
 * planned by the network's {@link MemoryPlan}, so several passes can be alive at once and
 * nothing is allocated per execution.
 *
 * <p>{@code groups} is the number of shuffle-BN normalisation groups of a training pass, or 0
 * for inference (running statistics); with G &gt; 1 every activation holds the batch
 * group-interleaved (see {@link BatchNormUnit}), which only the BN units need to know.
 */
interface FastUnit extends AutoCloseable {

    String name();

    List<Activation> inputs();

    Activation output();

    /**
     * Which inputs receive one and the same gradient (equal numbers: one buffer, written once),
     * such as both sides of a sum; by default every input gets its own.
     */
    default int[] inputGradientSharing() {
        int[] distinct = new int[inputs().size()];
        for (int i = 0; i < distinct.length; i++) {
            distinct[i] = i;
        }
        return distinct;
    }

    /** Whether the backward reads input {@code i}'s activation (so a training pass keeps it). */
    boolean backwardReadsInput(int i);

    /** Whether the backward reads the output activation. */
    boolean backwardReadsOutput();

    /** Floats of per-pass state (BN statistics, pooling workspace) for {@code groups}. */
    default long stateFloats(int groups) {
        return 0;
    }

    /** Runs the unit: reads {@link UnitAddresses#inputs}, writes {@link UnitAddresses#output}. */
    void forward(UnitAddresses a, int groups);

    /**
     * Back-propagates {@link UnitAddresses#outputGradient}: writes the gradient of every input
     * whose {@link UnitAddresses#inputGradients} address is not 0, and overwrites the unit's
     * parameter gradients.
     */
    void backward(UnitAddresses a, int groups);

    /** The parameter-gradient views the backward overwrites (zeroed when no gradient reaches the unit). */
    default List<INDArray> parameterGradients() {
        return List.of();
    }

    /** oneDNN's implementation choices, for diagnostics. */
    String implementations();

    /** Destroys the unit's primitives and frees its scratch memory. */
    @Override
    void close();
}
