package dev.moco.core.wiring;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import dev.moco.api.DictionaryProvider;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Guice wiring of the dictionary mechanisms: every {@link DictionaryProvider} that
 * {@link ServiceLoader} finds is bound by its name into a {@code Map<String, DictionaryProvider>},
 * from which {@link DictionaryRegistry} is built. {@link MocoModule} installs it.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new DictionaryModule());
 * DictionaryRegistry registry = injector.getInstance(DictionaryRegistry.class);
 * }</pre>
 */
public final class DictionaryModule extends AbstractModule {
    private final Iterable<DictionaryProvider> providers;

    /** Binds the providers on the class path. */
    public DictionaryModule() {
        this(ServiceLoader.load(DictionaryProvider.class));
    }

    /** Binds the given providers (tests, or an application with its own). */
    public DictionaryModule(Iterable<DictionaryProvider> providers) {
        this.providers = providers;
    }

    @Override
    protected void configure() {
        MapBinder<String, DictionaryProvider> byName =
                MapBinder.newMapBinder(binder(), String.class, DictionaryProvider.class);
        discoverProviders(providers).forEach((name, provider) -> byName.addBinding(name).toInstance(provider));
    }

    /** The providers by name; two with one name is an error naming both classes. */
    static Map<String, DictionaryProvider> discoverProviders(Iterable<DictionaryProvider> providers) {
        Map<String, DictionaryProvider> byName = new LinkedHashMap<>();
        for (DictionaryProvider provider : providers) {
            DictionaryProvider previous = byName.putIfAbsent(provider.name(), provider);
            if (previous != null && previous.getClass() != provider.getClass()) {
                throw new IllegalStateException("two dictionary providers are named '" + provider.name() + "': "
                        + previous.getClass().getName() + " and " + provider.getClass().getName());
            }
        }
        return byName;
    }
}
