package dev.moco.api.kit;

import dev.moco.api.kit.SplitMix64;
import java.util.SplittableRandom;

/**
 * The random generator of one training step (shuffle-BN permutations, memory-bank negatives),
 * a function of the run's seed and the step number only: a run resumed from a checkpoint
 * draws exactly what the uninterrupted run drew, with no generator state to save.
 *
 * <pre>{@code
 * SplittableRandom random = StepRandom.of(seed, batch.step());
 * }</pre>
 */
public final class StepRandom {

    private StepRandom() {}

    /**
     * The generator of one step: the same arguments give the same sequence in every call.
     *
     * @param seed the run's seed
     * @param step the global step number, as in {@code TrainingBatch.step()}
     * @return a new generator seeded with {@code SplitMix64.derive(seed, step)}
     */
    public static SplittableRandom of(long seed, long step) {
        return new SplittableRandom(SplitMix64.derive(seed, step));
    }
}
