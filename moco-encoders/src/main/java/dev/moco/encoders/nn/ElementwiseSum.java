package dev.moco.encoders.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** y = Σ inputs (all of one shape); each input's gradient is the output gradient. */
public final class ElementwiseSum implements Merge {

    @Override
    public Pass forward(List<INDArray> inputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("an elementwise sum needs at least one input");
        }
        INDArray output = inputs.get(0).dup();
        for (int i = 1; i < inputs.size(); i++) {
            if (!Arrays.equals(inputs.get(i).shape(), output.shape())) {
                throw new IllegalArgumentException("elementwise sum: input " + i + " has shape "
                        + Arrays.toString(inputs.get(i).shape()) + " but input 0 has " + Arrays.toString(output.shape()));
            }
            output.addi(inputs.get(i));
        }
        int count = inputs.size();
        return new Pass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public List<INDArray> backward(INDArray outputGradient) {
                List<INDArray> grads = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    grads.add(outputGradient.dup());
                }
                return grads;
            }
        };
    }
}
