package dev.moco.downstream.metrics;

/**
 * A detected {@link CocoObject}: its region and a confidence, higher ranking first.
 *
 * @param <R> the kind of region
 */
public interface CocoDetection<R> extends CocoObject<R> {

    double score();
}
