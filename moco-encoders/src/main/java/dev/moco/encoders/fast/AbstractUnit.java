package dev.moco.encoders.fast;

import java.util.ArrayList;
import java.util.List;

/**
 * What every {@link FastUnit} has: a name, its input and output activations, and the oneDNN
 * resources it owns ({@link #own}), closed in reverse order of creation so that a backward
 * primitive goes before the forward one it was hinted by.
 */
abstract class AbstractUnit implements FastUnit {

    private final String name;
    private final List<Activation> inputs;
    private final Activation output;
    private final List<AutoCloseable> owned = new ArrayList<>();

    AbstractUnit(String name, List<Activation> inputs, Activation output) {
        this.name = name;
        this.inputs = List.copyOf(inputs);
        this.output = output;
    }

    /** Registers a resource to close with the unit; returns it. */
    final <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final List<Activation> inputs() {
        return inputs;
    }

    @Override
    public final Activation output() {
        return output;
    }

    /** The first (for most units the only) input. */
    final Activation input() {
        return inputs.get(0);
    }

    @Override
    public boolean backwardReadsInput(int i) {
        return false;
    }

    @Override
    public boolean backwardReadsOutput() {
        return false;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            Resources.close(owned.get(i));
        }
        owned.clear();
    }
}
