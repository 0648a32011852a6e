package dev.moco.bench.benchmark.throughput;

import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import java.util.Map;

/** A {@link DictionaryProvider} whose dictionaries are {@link TimedDictionary}s recording into one {@link PhaseTimes}. */
final class TimedDictionaryProvider implements DictionaryProvider {

    private final DictionaryProvider delegate;
    private final PhaseTimes times;

    TimedDictionaryProvider(DictionaryProvider delegate, PhaseTimes times) {
        this.delegate = delegate;
        this.times = times;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Map<String, String> settings() {
        return delegate.settings();
    }

    @Override
    public Dictionary create(DictionaryContext context) {
        return new TimedDictionary(delegate.create(context), times);
    }

    @Override
    public Map<String, Long> memoryDemand(DictionaryContext context) {
        return delegate.memoryDemand(context);
    }
}
