package dev.moco.core.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DictionaryRegistryTest {

    private record Named(String name) implements DictionaryProvider {
        @Override
        public Map<String, String> settings() {
            return Map.of(name + ".size", "1");
        }

        @Override
        public Dictionary create(DictionaryContext context) {
            throw new UnsupportedOperationException("not needed here");
        }
    }

    @Test
    void guiceBindsEveryProviderByName() {
        DictionaryRegistry registry = Guice.createInjector(new DictionaryModule(List.of(new Named("b"), new Named("a"))))
                .getInstance(DictionaryRegistry.class);
        assertThat(registry.names()).containsExactly("a", "b");
        assertThat(registry.provider("b").name()).isEqualTo("b");
        assertThat(registry.settings()).containsOnlyKeys("a.size", "b.size");
    }

    @Test
    void unknownNameListsTheAvailableOnes() {
        DictionaryRegistry registry = new DictionaryRegistry(Map.of("queue", new Named("queue"), "end-to-end", new Named("end-to-end")));
        assertThatThrownBy(() -> registry.provider("memory-bnk"))
                .hasMessage("no dictionary named 'memory-bnk'; available: end-to-end, queue");
    }

    @Test
    void twoDifferentProvidersWithOneNameAreAnError() {
        DictionaryProvider other = new DictionaryProvider() {
            public String name() { return "a"; }
            public Map<String, String> settings() { return Map.of(); }
            public Dictionary create(DictionaryContext context) { return null; }
        };
        assertThatThrownBy(() -> DictionaryModule.discoverProviders(List.of(new Named("a"), other)))
                .hasMessageContaining("two dictionary providers are named 'a'");
    }
}
