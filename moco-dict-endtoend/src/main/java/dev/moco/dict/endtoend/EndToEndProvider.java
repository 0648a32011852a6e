package dev.moco.dict.endtoend;

import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import java.util.Map;

/**
 * Registers the end-to-end mechanism ({@link EndToEndDictionary}) under the name
 * {@code end-to-end}. It has no settings of its own: K = batch size − 1, and the keys are
 * computed by the query encoder with the core's shuffle-BN groups.
 */
public final class EndToEndProvider implements DictionaryProvider {

    public static final String NAME = "end-to-end";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, String> settings() {
        return Map.of();
    }

    /**
     * End-to-end runs in one process only. Over W workers, a query's negatives would be the keys
     * of all N images, and its loss's gradient with respect to another worker's keys would have
     * to be sent back to that worker and back-propagated through its key pass (and through
     * shuffle BN across the workers); this mechanism has no such backward, and averaging the
     * workers' gradients alone would not give the single-process step.
     *
     * @throws IllegalArgumentException naming the dictionary and W in a data-parallel run (W &gt; 1)
     */
    @Override
    public Dictionary create(DictionaryContext context) {
        int workers = context.collective().workers();
        if (workers > 1) {
            throw new IllegalArgumentException("the end-to-end dictionary cannot run data-parallel (" + workers
                    + " workers): its keys carry gradient, and a worker's keys are every other worker's negatives,"
                    + " which needs the gradient of the gathered keys sent back through each worker's key pass;"
                    + " it is not implemented. Use dictionary=queue or memory-bank, or one worker");
        }
        return new EndToEndDictionary(context.queryEncoder(), context.batchSize(), context.shuffleGroups(),
                context.seed());
    }
}
