package dev.moco.encoders;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A network's tensors by torchvision-style name, as views in PyTorch layouts (conv
 * [out, in, kh, kw], linear [out, in], BN vectors [C]). Writing to a view changes the
 * network. Two implementations of the same architecture share the names, so weights can be
 * copied across with {@link #copy(NamedParameters, NamedParameters)} and outputs compared.
 *
 * <p>Names for the ResNets built by {@link Encoders}: {@code conv1.weight},
 * {@code bn1.weight}, {@code bn1.bias}, {@code bn1.running_mean}, {@code bn1.running_var},
 * {@code layer<s>.<b>.conv<i>.weight}, {@code layer<s>.<b>.bn<i>.*},
 * {@code layer<s>.<b>.downsample.0.weight} (1×1 conv), {@code layer<s>.<b>.downsample.1.*}
 * (BN); heads: {@code fc.weight}, {@code fc.bias} (linear) or {@code head.0.*},
 * {@code head.2.*} (MLP). See {@link HeadType}.
 */
public interface NamedParameters {

    /** Every tensor, trainable parameters and buffers, in layout order. */
    Map<String, INDArray> namedTensors();

    /** The gradient of every trainable tensor, same names as {@link #namedTensors()}. */
    Map<String, INDArray> namedGradients();

    /**
     * Assigns every tensor of {@code source} to the tensor of the same name in {@code target}.
     *
     * @throws IllegalArgumentException naming the first tensor that is missing on either side
     *     or whose shapes differ; nothing is copied then
     */
    static void copy(NamedParameters source, NamedParameters target) {
        Map<String, INDArray> from = source.namedTensors();
        Map<String, INDArray> to = target.namedTensors();
        for (Map.Entry<String, INDArray> e : to.entrySet()) {
            INDArray s = from.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("source has no tensor '" + e.getKey() + "'");
            }
            if (!Arrays.equals(s.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' has shape " + Arrays.toString(s.shape())
                        + " in the source but " + Arrays.toString(e.getValue().shape()) + " in the target");
            }
        }
        for (String name : from.keySet()) {
            if (!to.containsKey(name)) {
                throw new IllegalArgumentException("target has no tensor '" + name + "'");
            }
        }
        for (Map.Entry<String, INDArray> e : to.entrySet()) {
            e.getValue().assign(from.get(e.getKey()));
        }
    }
}
