package dev.moco.bench.experiment;

import java.util.Locale;

/**
 * The difference of two settings' means over their seeds, set against the standard error of
 * that difference, sqrt(sd1²/n1 + sd2²/n2) (sample standard deviations, the seeds of each
 * setting independent). A difference counts as established when it exceeds two standard
 * errors; with three seeds a side this is a screen, not a test at 95% (Welch's t would ask
 * for about 2.8 standard errors at four degrees of freedom).
 *
 * @param difference mean of the first minus mean of the second
 * @param standardError sqrt(sd1²/n1 + sd2²/n2); NaN when a side has fewer than two seeds
 * @param firstSeeds n1
 * @param secondSeeds n2
 */
record MeanDifference(double difference, double standardError, int firstSeeds, int secondSeeds) {

    /** The difference {@code first} − {@code second} and its standard error. */
    static MeanDifference of(Spread first, Spread second) {
        double se = first.n() < 2 || second.n() < 2 ? Double.NaN
                : Math.sqrt(first.sd() * first.sd() / first.n() + second.sd() * second.sd() / second.n());
        return new MeanDifference(first.mean() - second.mean(), se, first.n(), second.n());
    }

    /** Whether each side has the two seeds a standard deviation needs. */
    boolean testable() {
        return firstSeeds >= 2 && secondSeeds >= 2 && !Double.isNaN(difference);
    }

    /** +1 if the first is ahead by more than two standard errors, −1 if behind by more, 0 otherwise (or untestable). */
    int direction() {
        if (!testable() || !(Math.abs(difference) > 2 * standardError)) {
            return 0;
        }
        return difference > 0 ? 1 : -1;
    }

    /**
     * One line for a table's notes, the difference in percentage points, e.g. "MoCo − supervised =
     * +6.0 ± 1.3 points (n = 3, 3): MoCo ahead, beyond two standard errors".
     */
    String verdict(String first, String second) {
        String head = String.format(Locale.ROOT, "%s − %s = %+.1f", first, second, 100 * difference);
        if (!testable()) {
            return head + String.format(Locale.ROOT, " points (n = %d, %d): not testable, a side has fewer than two seeds",
                    firstSeeds, secondSeeds);
        }
        String body = String.format(Locale.ROOT, "%s ± %.1f points (standard error; n = %d, %d): ", head, 100 * standardError,
                firstSeeds, secondSeeds);
        return body + switch (direction()) {
            case 1 -> first + " ahead, beyond two standard errors";
            case -1 -> second + " ahead, beyond two standard errors";
            default -> "within two standard errors, no difference established";
        };
    }
}
