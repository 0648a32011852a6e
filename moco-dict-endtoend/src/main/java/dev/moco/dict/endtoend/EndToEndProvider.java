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

    @Override
    public Dictionary create(DictionaryContext context) {
        return new EndToEndDictionary(context.queryEncoder(), context.batchSize(), context.shuffleGroups(),
                context.seed());
    }
}
