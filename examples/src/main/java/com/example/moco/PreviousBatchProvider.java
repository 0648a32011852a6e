package com.example.moco;

import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import java.util.Map;

/**
 * Registers {@link PreviousBatchDictionary} as {@code previous-batch}, through
 * {@code META-INF/services/dev.moco.api.DictionaryProvider}: moco is not changed to add it.
 */
public final class PreviousBatchProvider implements DictionaryProvider {

    @Override
    public String name() {
        return "previous-batch";
    }

    @Override
    public Map<String, String> settings() {
        return Map.of();
    }

    @Override
    public Dictionary create(DictionaryContext context) {
        return new PreviousBatchDictionary(context.queryEncoder(), context.batchSize(), context.seed());
    }
}
