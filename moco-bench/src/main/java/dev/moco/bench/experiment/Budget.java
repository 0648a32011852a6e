package dev.moco.bench.experiment;

import dev.moco.core.config.MocoConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How much compute an experiment spends: how many training images each pretraining run sees
 * and for how many epochs, the batch, and how long the linear probe trains. Every run of one
 * experiment at one budget gets the same budget, so its rows compare.
 *
 * <ul>
 *   <li>{@link #SMALL}: what a curious user runs, about 30 minutes per experiment on 2 cores:
 *       2 epochs over a fixed 10,000-image subset of the training split (78 steps).</li>
 *   <li>{@link #FULL}: what the README reports: 10 epochs over the whole training split.</li>
 *   <li>{@link #TINY}: a smoke test of the command itself (a few steps on at most 64 images);
 *       its numbers mean nothing.</li>
 * </ul>
 *
 * Evaluation always follows the full protocol on the {@code small} and {@code full} budgets:
 * kNN and the linear probe use the whole training split as the bank and the test split as
 * queries, whatever subset was pretrained on.
 *
 * @param id the name on the command line and in the results files
 * @param pretrainImages training images each run pretrains on (a fixed subset); 0 for all
 * @param epochs pretraining epochs
 * @param batchSize images per step N (end-to-end sets its own: its K is bound to N)
 * @param groups BN groups G of shuffle BN (one emulated GPU each)
 * @param queueMomentum m of the momentum key encoder: 0.99 for runs of under a thousand steps,
 *     whose key encoder would barely leave its initialisation at the paper's 0.999
 * @param linearEpochs epochs of the linear probe ({@code eval linear}'s preset: 100)
 */
public record Budget(String id, int pretrainImages, int epochs, int batchSize, int groups, double queueMomentum,
        int linearEpochs) {

    public static final Budget TINY = new Budget("tiny", 64, 1, 16, 2, 0.99, 2);
    public static final Budget SMALL = new Budget("small", 10_000, 2, 256, 8, 0.99, 100);
    public static final Budget FULL = new Budget("full", 0, 10, 256, 8, 0.999, 100);

    /** The budget named {@code id}: tiny, small or full. */
    public static Budget named(String id) {
        return switch (id.trim().toLowerCase(Locale.ROOT)) {
            case "tiny" -> TINY;
            case "small" -> SMALL;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException("unknown budget '" + id + "'; use small, full (or tiny for a smoke test)");
        };
    }

    /** The configuration every run of this budget starts from (over the experiment's preset). */
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put(MocoConfig.EPOCHS, Integer.toString(epochs));
        s.put(MocoConfig.BATCH_SIZE, Integer.toString(batchSize));
        s.put(MocoConfig.SHUFFLE_GROUPS, Integer.toString(groups));
        s.put(DictionarySettings.momentum(DictionarySettings.QUEUE), Double.toString(queueMomentum));
        return s;
    }

    /** Pick by budget: the tiny, small or full value. */
    public <T> T pick(T tiny, T small, T full) {
        return equals(TINY) ? tiny : equals(SMALL) ? small : full;
    }

    /** One sentence for the tables: what each run of this budget trains on and how it is scored. */
    public String describe() {
        return describe(epochs);
    }

    /** As {@link #describe()}, for an experiment that runs {@code epochs} epochs instead of the budget's. */
    public String describe(int epochs) {
        String images = pretrainImages == 0 ? "the whole training split" : String.format(Locale.ROOT,
                "a fixed subset of %,d training images", pretrainImages);
        return String.format(Locale.ROOT, "Budget %s: each run pretrains %d epoch%s on %s, batch %d, %d BN groups;"
                + " kNN (k=200, T=0.1) and the linear probe (eval linear's preset, %d epochs) use the whole training split as the bank"
                + " and the test split as queries.", id, epochs, epochs == 1 ? "" : "s", images, batchSize, groups,
                linearEpochs);
    }

    @Override
    public String toString() {
        return id;
    }
}
