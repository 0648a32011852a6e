/**
 * The plug-in kit: the building blocks from which a dictionary author assembles a
 * {@link dev.moco.api.Dictionary} mechanism, so that a new mechanism need depend on moco-api
 * alone. The SPI package {@code dev.moco.api} holds only the contracts; the helpers are here.
 *
 * <ul>
 *   <li>{@link dev.moco.api.kit.FixedKeys}: the keys record, a
 *       {@link dev.moco.api.SharedNegatives} of positives [N, C] and shared negatives [K, C]
 *       that carry no gradient (queue, memory bank).</li>
 *   <li>{@link dev.moco.api.kit.MomentumUpdate}: the momentum update of the key encoder,
 *       θk ← mθk + (1−m)θq (He et al. 2020, Eq. 2).</li>
 *   <li>{@link dev.moco.api.kit.ShuffleBatchNorm}: shuffling BN, keys encoded in permuted
 *       BN groups so that the model cannot cheat through batch statistics (Sec. 3.3), in one
 *       process or across the workers of a data-parallel run.</li>
 *   <li>{@link dev.moco.api.kit.NormalizedPass}: an encoder pass with L2-normalised output,
 *       whose backward goes through the normalisation (end-to-end keys).</li>
 *   <li>{@link dev.moco.api.kit.FeatureNormalization}: row-wise L2 normalisation and its
 *       backward.</li>
 *   <li>{@link dev.moco.api.kit.StepRandom}: a step's randomness as a pure function of
 *       (seed, step), so a resumed run draws what the uninterrupted one drew.</li>
 *   <li>{@link dev.moco.api.kit.RandomUnitRows}: the seeded initialiser of a queue or memory
 *       bank, random unit rows.</li>
 *   <li>{@link dev.moco.api.kit.SplitMix64}: a small re-seedable generator, and the seed
 *       derivation the others use.</li>
 * </ul>
 *
 * <p>The look-up of a MoCo queue dictionary, with a key encoder, a query encoder and a queue
 * [K, C] of unit rows as fields:
 *
 * <pre>{@code
 * public Contrast contrast(TrainingBatch batch, INDArray queries) {
 *     MomentumUpdate.apply(keyEncoder, queryEncoder, 0.999);
 *     Encoder.Pass keys = keyEncoder.forward(batch.keyView(), Encoder.Mode.TRAINING_WITHOUT_GRADIENT);
 *     return new FixedKeys(FeatureNormalization.normalize(keys.output()), queue);
 * }
 * }</pre>
 */
package dev.moco.api.kit;
