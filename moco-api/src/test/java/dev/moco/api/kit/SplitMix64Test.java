package dev.moco.api.kit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SplitMix64Test {

    @Test
    void matchesTheReferenceSequence() {
        // reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c)
        SplitMix64 rng = new SplitMix64(0);
        assertThat(rng.nextLong()).isEqualTo(0xe220a8397b1dcdafL);
        assertThat(rng.nextLong()).isEqualTo(0x6e789e6aa1b965f4L);
        rng.reseed(0);
        assertThat(rng.nextLong()).isEqualTo(0xe220a8397b1dcdafL);
    }

    @Test
    void boundedIntsAreInRangeAndRoughlyUniform() {
        SplitMix64 rng = new SplitMix64(1);
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) {
            counts[rng.nextInt(7)]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(9_500, 10_500);
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(rng.nextDouble()).isGreaterThanOrEqualTo(0).isLessThan(1);
        }
    }

    @Test
    void derivedSeedsDependOnEveryPart() {
        long base = SplitMix64.derive(1, 2, 3, 4);
        assertThat(SplitMix64.derive(1, 2, 3, 4)).isEqualTo(base);
        assertThat(SplitMix64.derive(0, 2, 3, 4)).isNotEqualTo(base);
        assertThat(SplitMix64.derive(1, 0, 3, 4)).isNotEqualTo(base);
        assertThat(SplitMix64.derive(1, 2, 0, 4)).isNotEqualTo(base);
        assertThat(SplitMix64.derive(1, 2, 3, 0)).isNotEqualTo(base);
        assertThat(SplitMix64.derive(1, 2, 4, 3)).isNotEqualTo(base);
    }
}
