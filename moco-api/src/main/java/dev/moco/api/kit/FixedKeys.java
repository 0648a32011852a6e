package dev.moco.api.kit;

import dev.moco.api.SharedNegatives;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link SharedNegatives} of a mechanism whose keys carry no gradient: positives for each
 * query and negatives shared by the batch, read from a queue filled by a momentum encoder or
 * from a memory bank.
 *
 * <pre>{@code
 * return new FixedKeys(keys, queue);
 * }</pre>
 *
 * @param positives [N, C], row i the positive key of query i
 * @param negatives [K, C], shared by every query of the batch
 */
public record FixedKeys(INDArray positives, INDArray negatives) implements SharedNegatives {}
