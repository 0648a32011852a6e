package dev.moco.core.checkpoint;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * The check that a run's state is usable: every value of every tensor finite. A loss can stay
 * finite while BN running statistics or weights have already overflowed, so the check covers
 * every tensor, not only the loss and the gradient.
 *
 * <pre>{@code
 * FiniteTensors.require(checkpoint);   // throws NonFiniteTensorException naming the first bad tensor
 * }</pre>
 */
public final class FiniteTensors {

    private FiniteTensors() {}

    /** NaN and infinite entries of {@code array} (0 for integer types); one native reduction, no copy. */
    public static long nonFiniteCount(INDArray array) {
        if (!array.dataType().isFPType() || array.isEmpty()) {
            return 0;
        }
        return Nd4j.getExecutioner().exec(new MatchCondition(array, Conditions.notFinite())).getLong(0);
    }

    /** @throws NonFiniteTensorException naming the first tensor, in the checkpoint's order, that is not finite */
    public static void require(Checkpoint checkpoint) {
        for (Map.Entry<String, Map<String, INDArray>> component : checkpoint.components().entrySet()) {
            require(component.getKey(), component.getValue());
        }
    }

    /** @throws NonFiniteTensorException naming the first tensor of {@code tensors} that is not finite */
    public static void require(String component, Map<String, INDArray> tensors) {
        for (Map.Entry<String, INDArray> tensor : tensors.entrySet()) {
            long count = nonFiniteCount(tensor.getValue());
            if (count > 0) {
                throw new NonFiniteTensorException(component + "/" + tensor.getKey(), count, tensor.getValue().length());
            }
        }
    }
}
