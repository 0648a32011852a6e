package dev.moco.dict.membank;

import dev.moco.api.Dictionary;
import dev.moco.api.DictionaryContext;
import dev.moco.api.DictionaryProvider;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Registers the memory bank ({@link MemoryBankDictionary}) under the name {@code memory-bank}.
 *
 * <p>Settings:
 * <ul>
 *   <li>{@code memory-bank.negatives} (4096): K, shared negatives per step, in [1, N − batch];</li>
 *   <li>{@code memory-bank.momentum} (0.5): m in [0, 1], the weight of the old row in
 *       v ← normalize(m·v + (1−m)·q);</li>
 *   <li>{@code memory-bank.init} ({@code random}): {@code random} unit vectors, or
 *       {@code encoder}: the untrained query encoder's features over the training set
 *       ({@link dev.moco.api.DictionaryContext#trainingImagesInIndexOrder()}), filled at the
 *       first step unless a checkpoint was restored.</li>
 * </ul>
 * The bank's element type is that of the query encoder's parameters.
 */
public final class MemoryBankProvider implements DictionaryProvider {

    public static final String NAME = "memory-bank";
    public static final String NEGATIVES = "memory-bank.negatives";
    public static final String MOMENTUM = "memory-bank.momentum";
    public static final String INIT = "memory-bank.init";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, String> settings() {
        return Map.of(NEGATIVES, "4096", MOMENTUM, "0.5", INIT, "random");
    }

    /** The bank's N×C values; per step the K gathered negatives and the loss's [N, 1+K] logits. */
    @Override
    public Map<String, Long> memoryDemand(DictionaryContext context) {
        long k = context.intSetting(NEGATIVES);
        long width = context.queryEncoder().parameters().dataType().width();
        Map<String, Long> demand = new LinkedHashMap<>();
        demand.put("the training set of " + context.datasetSize() + " images (the bank's N×C values)",
                context.datasetSize() * context.featureDimension() * width);
        demand.put(NEGATIVES + "=" + k + " (K×C gathered negatives and the loss's N×K logits)",
                k * context.featureDimension() * width + 3L * context.batchSize() * (k + 1) * width);
        return demand;
    }

    /** K is the number of negatives sampled from the bank per step. */
    @Override
    public Optional<String> negativesSetting() {
        return Optional.of(NEGATIVES);
    }

    /** m is the bank's: each stored feature moves towards the new one by 1 − m. */
    @Override
    public Optional<String> momentumSetting() {
        return Optional.of(MOMENTUM);
    }

    @Override
    public Dictionary create(DictionaryContext context) {
        MemoryBankDictionary.Initialization init = initialization(context.stringSetting(INIT));
        MemoryBankDictionary bank = new MemoryBankDictionary(context.datasetSize(), context.featureDimension(),
                context.batchSize(), context.intSetting(NEGATIVES), context.doubleSetting(MOMENTUM),
                init, context.seed(), context.queryEncoder().parameters().dataType(), context.collective());
        if (init == MemoryBankDictionary.Initialization.ENCODER) {
            bank.fillFromEncoderBeforeFirstStep(context.queryEncoder(), context::trainingImagesInIndexOrder);
        }
        return bank;
    }

    static MemoryBankDictionary.Initialization initialization(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "random" -> MemoryBankDictionary.Initialization.RANDOM;
            case "encoder" -> MemoryBankDictionary.Initialization.ENCODER;
            default -> throw new IllegalArgumentException(INIT + " = '" + value
                    + "' is not allowed: it must be 'random' or 'encoder'");
        };
    }
}
