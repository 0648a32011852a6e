package dev.moco.api;

import java.util.Map;
import java.util.Optional;

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

    /** {@return the name users select it by, e.g. {@code queue}; lower case with dashes} */
    String name();

    /**
     * The configuration keys this mechanism reads, with their default values. Keys not
     * declared by core or by a provider are rejected as unknown.
     *
     * @return the keys with their defaults
     */
    Map<String, String> settings();

    /**
     * Creates the dictionary for one training run.
     *
     * @param context the query encoder, the run's sizes and seed, and this provider's settings
     * @return the dictionary
     */
    Dictionary create(DictionaryContext context);

    /**
     * The memory the dictionary for {@code context} needs, in bytes, by what sizes it, e.g.
     * {@code "queue.size=65536 (the queue of K×C values and the loss's N×K logits)" -> 100663296}.
     * It is checked against the memory limit before {@link #create} allocates anything, so an
     * impossible setting is refused with its key instead of failing in native code. It reads
     * only the settings, never allocates. Default: nothing worth checking.
     *
     * @param context the run's sizes and this provider's settings
     * @return bytes by a description of what sizes them, empty if nothing is worth checking
     */
    default Map<String, Long> memoryDemand(DictionaryContext context) {
        return Map.of();
    }

    /**
     * The setting that sizes this mechanism's dictionary: K, the negatives each query is
     * contrasted with (the paper's Figure 3 varies it). It lets a run set K by its meaning
     * rather than by a mechanism's key, e.g. {@code queue.size} for the queue. Default: none,
     * for a mechanism whose K follows from other settings (end-to-end: the batch's other keys).
     *
     * @return the key of K among {@link #settings()}, or empty
     */
    default Optional<String> negativesSetting() {
        return Optional.empty();
    }

    /**
     * The setting of the momentum m with which this mechanism's keys evolve: the key encoder's
     * (the paper's Eq. 2) or the memory bank's. Default: none, for a mechanism without one.
     *
     * @return the key of m among {@link #settings()}, or empty
     */
    default Optional<String> momentumSetting() {
        return Optional.empty();
    }
}
