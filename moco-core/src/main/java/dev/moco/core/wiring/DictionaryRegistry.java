package dev.moco.core.wiring;

import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The installed dictionary mechanisms by name. Providers are found with
 * {@link ServiceLoader} (each module lists its own in
 * {@code META-INF/services/dev.moco.api.DictionaryProvider}) and bound through Guice by
 * {@link MocoModule}.
 *
 * <pre>{@code
 * DictionaryRegistry registry = Guice.createInjector(new MocoModule()).getInstance(DictionaryRegistry.class);
 * Dictionary queue = registry.create("queue", context);
 * }</pre>
 */
public final class DictionaryRegistry {
    private final Map<String, DictionaryProvider> providers;

    @Inject
    public DictionaryRegistry(Map<String, DictionaryProvider> providers) {
        this.providers = new TreeMap<>(providers);
    }

    /** The registry of every provider on the class path, without Guice. */
    public static DictionaryRegistry discover() {
        return new DictionaryRegistry(MocoModule.discoverProviders(ServiceLoader.load(DictionaryProvider.class)));
    }

    /** @throws IllegalArgumentException listing the installed names if {@code name} is not one */
    public DictionaryProvider provider(String name) {
        DictionaryProvider provider = providers.get(name);
        if (provider == null) {
            throw new IllegalArgumentException("no dictionary named '" + name + "'; available: "
                    + (providers.isEmpty() ? "none (no DictionaryProvider on the class path)"
                    : String.join(", ", providers.keySet())));
        }
        return provider;
    }

    /**
     * Creates the dictionary {@code name} for {@code context}, after checking its
     * {@link DictionaryProvider#memoryDemand} against {@link MemoryLimit#bytes()}.
     *
     * @throws IllegalArgumentException if the name is unknown or the dictionary would not fit
     *     in memory (naming the setting, the estimate and the limit)
     */
    public Dictionary create(String name, DictionaryContext context) {
        DictionaryProvider provider = provider(name);
        MemoryLimit.require(provider.memoryDemand(context), MemoryLimit.bytes());
        return provider.create(context);
    }

    /** The installed names, sorted. */
    public java.util.Set<String> names() {
        return providers.keySet();
    }

    /** Every provider's declared configuration keys with their defaults. */
    public Map<String, String> settings() {
        Map<String, String> all = new TreeMap<>();
        providers.values().forEach(p -> all.putAll(p.settings()));
        return all;
    }
}
