package dev.moco.api;

import java.util.Map;

/**
 * The service-provider interface of a dictionary mechanism. A module registers one
 * implementation in {@code META-INF/services/dev.moco.api.DictionaryProvider}; moco-core
 * finds it with {@link java.util.ServiceLoader} and binds it by {@link #name()}.
 *
 * <pre>{@code
 * public final class FixedNegativesProvider implements DictionaryProvider {
 *     public String name() { return "fixed-negatives"; }
 *     public Map<String, String> settings() { return Map.of("fixed-negatives.count", "1024"); }
 *     public Dictionary create(DictionaryContext c) { return new FixedNegatives(c); }
 * }
 * }</pre>
 */
public interface DictionaryProvider {

    /** The name users select it by, e.g. {@code queue}; lower case with dashes. */
    String name();

    /**
     * The configuration keys this mechanism reads, with their default values. Keys not
     * declared by core or by a provider are rejected as unknown.
     */
    Map<String, String> settings();

    /** Creates the dictionary for one training run. */
    Dictionary create(DictionaryContext context);

    /**
     * The memory the dictionary for {@code context} needs, in bytes, by what sizes it, e.g.
     * {@code "queue.size=65536 (the queue of K×C values and the loss's N×K logits)" -> 100663296}.
     * It is checked against the memory limit before {@link #create} allocates anything, so an
     * impossible setting is refused with its key instead of failing in native code. It reads
     * only the settings, never allocates. Default: nothing worth checking.
     */
    default Map<String, Long> memoryDemand(DictionaryContext context) {
        return Map.of();
    }
}
