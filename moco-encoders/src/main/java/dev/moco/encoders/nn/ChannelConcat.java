package dev.moco.encoders.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@code torch.cat(inputs, dim=1)} for NCHW tensors of equal N, H, W; the backward hands each
 * input its slice of channels of the output gradient.
 */
public final class ChannelConcat implements Merge {

    @Override
    public Pass forward(List<INDArray> inputs) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a channel concatenation needs at least one input");
        }
        INDArray first = inputs.get(0);
        long[] channels = new long[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            INDArray x = inputs.get(i);
            if (x.rank() != 4 || x.size(0) != first.size(0) || x.size(2) != first.size(2) || x.size(3) != first.size(3)) {
                throw new IllegalArgumentException("channel concatenation: input " + i + " has shape "
                        + Arrays.toString(x.shape()) + ", which does not match input 0 " + Arrays.toString(first.shape())
                        + " outside the channels");
            }
            channels[i] = x.size(1);
        }
        INDArray output = Nd4j.concat(1, inputs.toArray(new INDArray[0]));
        return new Pass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public List<INDArray> backward(INDArray outputGradient) {
                List<INDArray> grads = new ArrayList<>(channels.length);
                long start = 0;
                for (long c : channels) {
                    grads.add(outputGradient.get(NDArrayIndex.all(), NDArrayIndex.interval(start, start + c),
                            NDArrayIndex.all(), NDArrayIndex.all()).dup('c'));
                    start += c;
                }
                return grads;
            }
        };
    }
}
