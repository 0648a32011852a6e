package dev.moco.encoders.nn;

import dev.moco.api.Encoder;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Layers applied in order; the backward runs them in reverse. */
public final class Sequential implements Layer {

    private final List<Layer> layers;

    public Sequential(List<? extends Layer> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a sequential needs at least one layer");
        }
        this.layers = List.copyOf(layers);
    }

    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    public List<Layer> layers() {
        return layers;
    }

    @Override
    public LayerPass forward(INDArray input, Encoder.Mode mode, int normalizationGroups) {
        List<LayerPass> passes = new ArrayList<>(layers.size());
        INDArray x = input;
        for (Layer layer : layers) {
            LayerPass pass = layer.forward(x, mode, normalizationGroups);
            passes.add(pass);
            x = pass.output();
        }
        if (mode == Encoder.Mode.INFERENCE) {
            return LayerPass.inferenceOnly(x, toString());
        }
        INDArray output = x;
        return new LayerPass() {
            @Override
            public INDArray output() {
                return output;
            }

            @Override
            public INDArray backward(INDArray outputGradient) {
                INDArray gradient = outputGradient;
                for (int i = passes.size() - 1; i >= 0; i--) {
                    gradient = passes.get(i).backward(gradient);
                }
                return gradient;
            }
        };
    }

    @Override
    public String toString() {
        return "Sequential" + layers;
    }
}
