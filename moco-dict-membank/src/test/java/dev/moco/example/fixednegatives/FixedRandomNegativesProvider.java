package dev.moco.example.fixednegatives;

import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import java.util.Map;

/**
 * A third-party mechanism, written against moco-api only and registered in this test
 * source set's own {@code META-INF/services/dev.moco.api.DictionaryProvider}: it shows that
 * a dictionary is added without touching moco-core. Selected by the name
 * {@code fixed-negatives}; one setting, {@code fixed-negatives.count} (16).
 */
public final class FixedRandomNegativesProvider implements DictionaryProvider {
    public static final String NAME = "fixed-negatives";
    public static final String COUNT = "fixed-negatives.count";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, String> settings() {
        return Map.of(COUNT, "16");
    }

    @Override
    public Dictionary create(DictionaryContext context) {
        return new FixedRandomNegatives(context.queryEncoder(), context.intSetting(COUNT),
                context.featureDimension(), context.seed());
    }
}
