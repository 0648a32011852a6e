/**
 * Image augmentations of MoCo v1 (He et al., arXiv:1911.05722) and MoCo v2 "aug+" (Chen et
 * al., arXiv:2003.04297), on CHW float arrays, allocation-free per image and deterministic
 * given a {@link dev.moco.api.kit.SplitMix64} state. {@link
 * dev.moco.core.data.augment.AugmentationPreset} builds the papers' recipes; {@link
 * dev.moco.core.data.augment.AugmentationPipeline} runs any sequence of steps.
 */
package dev.moco.core.data.augment;
