package dev.moco.bench.experiment;

import java.util.List;

/**
 * Mean and sample standard deviation of the seeds of one setting.
 *
 * @param sd the sample standard deviation (n − 1 in the denominator); 0 for one value
 */
record Spread(double mean, double sd, int n) {

    static Spread of(List<Double> values) {
        if (values.isEmpty()) {
            return new Spread(Double.NaN, Double.NaN, 0);
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double squares = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        double sd = values.size() < 2 ? 0 : Math.sqrt(squares / (values.size() - 1));
        return new Spread(mean, sd, values.size());
    }
}
