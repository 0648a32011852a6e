package dev.moco.downstream.canvas;

import java.util.List;

/**
 * The benchmark: training canvases (built from Fashion-MNIST's training split only) and
 * test canvases (from its test split only).
 */
public record CanvasSet(CanvasSpec spec, List<Canvas> train, List<Canvas> test) {

    public CanvasSet {
        train = List.copyOf(train);
        test = List.copyOf(test);
        for (List<Canvas> part : List.of(train, test)) {
            for (Canvas c : part) {
                if (c.size() != spec.size()) {
                    throw new IllegalArgumentException("canvas " + c.imageId() + " is " + c.size() + "x" + c.size()
                            + " but the set's canvases are " + spec.size() + "x" + spec.size());
                }
            }
        }
    }
}
