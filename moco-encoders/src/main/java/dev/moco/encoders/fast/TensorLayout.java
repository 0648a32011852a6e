package dev.moco.encoders.fast;

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
 * The named tensors of a network and where each lives in its flat vectors: trainable
 * parameters (and their gradients) in one vector, buffers (BN running statistics) in another,
 * both in registration order, with torchvision names and PyTorch shapes.
 *
 * <p>Initial values follow PyTorch/torchvision and are drawn in registration order from one
 * {@link SplittableRandom}, the same scheme as the reference encoders' parameter bank.
 */
final class TensorLayout {

    /** How a tensor is initialised. */
    enum Init { ZEROS, ONES, KAIMING_NORMAL_FAN_OUT, UNIFORM_FAN_IN }

    /** One named tensor. */
    record Entry(String name, long[] shape, boolean trainable, Init init, long fan, long offset) {
        long length() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private long trainableLength;
    private long bufferLength;

    Entry parameter(String name, Init init, long fan, long... shape) {
        Entry e = new Entry(name, shape, true, init, fan, trainableLength);
        entries.add(e);
        trainableLength += e.length();
        return e;
    }

    Entry buffer(String name, Init init, long... shape) {
        Entry e = new Entry(name, shape, false, init, 0, bufferLength);
        entries.add(e);
        bufferLength += e.length();
        return e;
    }

    long trainableLength() {
        return trainableLength;
    }

    long bufferLength() {
        return bufferLength;
    }

    List<Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    /** The c-ordered view of {@code e} inside {@code flat} (the parameter, gradient or buffer vector). */
    static INDArray view(INDArray flat, Entry e) {
        return flat.get(NDArrayIndex.interval(e.offset(), e.offset() + e.length())).reshape('c', e.shape());
    }

    /** Views of all trainable (or all buffer) tensors by name, in registration order. */
    Map<String, INDArray> views(INDArray flat, boolean trainable) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (e.trainable() == trainable) {
                out.put(e.name(), view(flat, e));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Fills the parameter and buffer vectors with initial values drawn from {@code seed}. */
    void initialise(INDArray parameters, INDArray buffers, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Entry e : entries) {
            double[] values = new double[Math.toIntExact(e.length())];
            switch (e.init()) {
                case ZEROS -> { }
                case ONES -> java.util.Arrays.fill(values, 1.0);
                case KAIMING_NORMAL_FAN_OUT -> {
                    double std = Math.sqrt(2.0 / e.fan());
                    for (int i = 0; i < values.length; i++) {
                        values[i] = random.nextGaussian() * std;
                    }
                }
                case UNIFORM_FAN_IN -> {
                    double bound = 1.0 / Math.sqrt(e.fan());
                    for (int i = 0; i < values.length; i++) {
                        values[i] = random.nextDouble(-bound, bound);
                    }
                }
            }
            view(e.trainable() ? parameters : buffers, e)
                    .assign(Nd4j.create(values, e.shape(), DataType.DOUBLE).castTo(DataType.FLOAT));
        }
    }
}
