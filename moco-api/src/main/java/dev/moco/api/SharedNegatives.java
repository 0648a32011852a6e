package dev.moco.api;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link Contrast} whose negatives are shared by every query of the batch and whose keys
 * carry no gradient: read from the queue a momentum encoder fills (MoCo, He et al. 2020,
 * Sec. 3.2) or from a memory bank (Wu et al. 2018). InfoNCE's logits are
 * [q·k+ | q·negatives]/T with the positive in column 0.
 */
public non-sealed interface SharedNegatives extends Contrast {

    /** {@return the K negative keys, L2-normalised, [K, C]; the same for every query of the batch} */
    INDArray negatives();
}
