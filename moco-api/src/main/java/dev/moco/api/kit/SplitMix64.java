package dev.moco.api.kit;

/**
 * A small, re-seedable pseudo-random generator (SplitMix64, Steele, Lea and Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014).
 *
 * <p>The data pipeline derives one generator state per (seed, epoch, sample, view) with
 * {@link #derive(long, long, long, long)}, so every augmentation is a pure function of those
 * four numbers, whatever thread computes it and in whatever order: that is what makes a
 * resumed run see exactly the batches the uninterrupted run would have seen. Re-seeding
 * with {@link #reseed(long)} allocates nothing. Not thread-safe: one instance per thread.
 *
 * <pre>{@code
 * SplitMix64 random = new SplitMix64(0);
 * random.reseed(SplitMix64.derive(seed, epoch, sampleIndex, view));
 * double u = random.nextDouble();
 * }</pre>
 */
public final class SplitMix64 {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private long state;

    /**
     * A generator whose sequence starts from {@code seed}.
     *
     * @param seed the initial state; any value, e.g. one from {@link #derive}
     */
    public SplitMix64(long seed) {
        this.state = seed;
    }

    /**
     * Restarts the sequence from {@code seed}, as if newly constructed with it.
     *
     * @param seed the new state; any value, e.g. one from {@link #derive}
     */
    public void reseed(long seed) {
        this.state = seed;
    }

    /**
     * The SplitMix64 finaliser: a bijective 64-bit mix with good avalanche.
     *
     * @param z the value to mix
     * @return the mixed value; distinct inputs give distinct outputs
     */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * A seed derived from two numbers (e.g. run seed and epoch). Order matters:
     * {@code derive(a, b)} and {@code derive(b, a)} differ in general.
     *
     * @param a the first number, e.g. the run's seed
     * @param b the second number, e.g. the epoch or step
     * @return the derived seed, a pure function of {@code a} and {@code b}
     */
    public static long derive(long a, long b) {
        return mix(mix(a + GOLDEN_GAMMA) + b * GOLDEN_GAMMA + 0x632be59bd9b4e019L);
    }

    /**
     * A seed derived from four numbers (e.g. run seed, epoch, sample index and view), as
     * {@code derive(derive(derive(a, b), c), d)}.
     *
     * @param a the first number, e.g. the run's seed
     * @param b the second number, e.g. the epoch
     * @param c the third number, e.g. the sample index
     * @param d the fourth number, e.g. which of the two views
     * @return the derived seed, a pure function of the four numbers
     */
    public static long derive(long a, long b, long c, long d) {
        return derive(derive(derive(a, b), c), d);
    }

    /**
     * Advances the state and returns the next value.
     *
     * @return the next 64-bit value, every bit pattern equally likely
     */
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /**
     * Draws a double, from the top 53 bits of {@link #nextLong()}.
     *
     * @return a value uniform in [0, 1)
     */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * Draws a double from an interval.
     *
     * @param low the lower bound, inclusive
     * @param high the upper bound, exclusive
     * @return a value uniform in [low, high)
     */
    public double uniform(double low, double high) {
        return low + (high - low) * nextDouble();
    }

    /**
     * Draws an int without modulo bias (Lemire's multiply-shift with rejection).
     *
     * @param bound the upper bound, exclusive; must be positive
     * @return a value uniform in [0, bound)
     * @throws IllegalArgumentException if {@code bound} is not positive
     */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xffffffffL;
        if (low < bound) {
            long threshold = (0x1_0000_0000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xffffffffL;
            }
        }
        return (int) (m >>> 32);
    }

    /**
     * Draws a Bernoulli trial, e.g. whether to apply a random augmentation.
     *
     * @param p the probability of true; 0 never, 1 always
     * @return true with probability {@code p}
     */
    public boolean chance(double p) {
        return nextDouble() < p;
    }

    /**
     * Shuffles {@code values} in place (Fisher-Yates), each permutation equally likely.
     *
     * @param values the array to permute
     */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }
}
