package dev.moco.dict.queue;

import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import java.util.Map;
import java.util.Optional;

/** Registers {@link QueueDictionary} as {@code queue}. */
public final class QueueDictionaryProvider implements DictionaryProvider {
    public static final String SIZE = "queue.size";
    public static final String MOMENTUM = "queue.momentum";

    @Override
    public String name() {
        return "queue";
    }

    @Override
    public Map<String, String> settings() {
        return Map.of(SIZE, "65536", MOMENTUM, "0.999");
    }

    /** The queue's K×C values and the loss's [N, 1+K] logits, probabilities and their gradient. */
    @Override
    public Map<String, Long> memoryDemand(DictionaryContext context) {
        long k = context.intSetting(SIZE);
        long width = context.queryEncoder().parameters().dataType().width();
        long bytes = k * context.featureDimension() * width + 3L * context.batchSize() * (k + 1) * width;
        return Map.of(SIZE + "=" + k + " (the queue of K×C values and the loss's N×K logits)", bytes);
    }

    /** K is the queue's length. */
    @Override
    public Optional<String> negativesSetting() {
        return Optional.of(SIZE);
    }

    /** m is the momentum key encoder's. */
    @Override
    public Optional<String> momentumSetting() {
        return Optional.of(MOMENTUM);
    }

    @Override
    public Dictionary create(DictionaryContext context) {
        return new QueueDictionary(context.queryEncoder(), context.intSetting(SIZE),
                context.doubleSetting(MOMENTUM), context.shuffleGroups(), context.shuffleKeys(), context.seed(),
                context.collective());
    }
}
