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

    public static SplittableRandom of(long seed, long step) {
        return new SplittableRandom(SplitMix64.derive(seed, step));
    }
}
