package dev.moco.bench.experiment;

import dev.moco.core.wiring.DictionaryRegistry;

/**
 * The keys of a dictionary's K and momentum, found by the mechanism's name through its
 * provider ({@code DictionaryProvider.negativesSetting()} / {@code momentumSetting()}), so that
 * experiments choose mechanisms as users do and name none of their classes.
 */
final class DictionarySettings {

    static final String QUEUE = "queue";
    static final String MEMORY_BANK = "memory-bank";
    static final String END_TO_END = "end-to-end";
    /** How the memory bank starts: {@code random} unit rows, or the untrained encoder's features ({@code encoder}). */
    static final String MEMORY_BANK_INIT = "memory-bank.init";

    private static final DictionaryRegistry REGISTRY = DictionaryRegistry.discover();

    private DictionarySettings() {}

    /**
     * @param dictionary an installed dictionary's name
     * @return the key of its K
     * @throws IllegalArgumentException if it is not installed or has no K of its own
     */
    static String negatives(String dictionary) {
        return REGISTRY.provider(dictionary).negativesSetting()
                .orElseThrow(() -> new IllegalArgumentException("the " + dictionary + " dictionary has no K of its own"));
    }

    /**
     * @param dictionary an installed dictionary's name
     * @return the key of the momentum of its keys
     * @throws IllegalArgumentException if it is not installed or has no key momentum
     */
    static String momentum(String dictionary) {
        return REGISTRY.provider(dictionary).momentumSetting()
                .orElseThrow(() -> new IllegalArgumentException("the " + dictionary + " dictionary has no key momentum"));
    }
}
