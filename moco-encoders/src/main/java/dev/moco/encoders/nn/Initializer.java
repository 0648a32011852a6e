package dev.moco.encoders.nn;

import java.util.random.RandomGenerator;

/**
 * How a {@link Parameter} is filled at construction, following PyTorch's defaults so that
 * the reference encoders start from the same distribution as torchvision's ResNets.
 */
@FunctionalInterface
public interface Initializer {

    /** Fills {@code values} (the parameter in row-major order) using {@code random}. */
    void fill(double[] values, RandomGenerator random);

    /** All zeros (BN bias, running mean). */
    static Initializer zeros() {
        return (values, random) -> java.util.Arrays.fill(values, 0.0);
    }

    /** All ones (BN weight, running variance). */
    static Initializer ones() {
        return (values, random) -> java.util.Arrays.fill(values, 1.0);
    }

    /**
     * {@code nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")}: N(0, 2/fan_out)
     * with fan_out = outChannels·kh·kw, as torchvision initialises ResNet convolutions.
     */
    static Initializer kaimingNormalFanOut(long fanOut) {
        double std = Math.sqrt(2.0 / fanOut);
        return (values, random) -> {
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextGaussian() * std;
            }
        };
    }

    /**
     * U(−1/√fan_in, 1/√fan_in): PyTorch's default for {@code nn.Linear} weight
     * (kaiming_uniform with a=√5) and bias alike.
     */
    static Initializer uniformFanIn(long fanIn) {
        double bound = 1.0 / Math.sqrt(fanIn);
        return (values, random) -> {
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextDouble(-bound, bound);
            }
        };
    }
}
