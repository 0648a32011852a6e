package dev.moco.downstream.transfer;

import dev.moco.downstream.canvas.GarmentClasses;

/**
 * The channels of an instance head's output [N, channels, h, w]: first the detector's
 * ({@code classes} heatmap logits, then the {@value CenterNetTargets#REGRESSION_CHANNELS} box
 * channels, as {@link CenterNetLoss} and {@link CenterNetDecoder} read them), then
 * {@code prototypes} mask coefficient logits and {@code prototypes} prototype masks
 * ({@link PrototypeMaskLoss}).
 *
 * @param garmentClasses the classes of the heatmap channels, one each
 * @param prototypes prototype masks, and coefficients per cell
 */
public record InstanceChannels(GarmentClasses garmentClasses, int prototypes) {

    public InstanceChannels {
        if (prototypes < 1) {
            throw new IllegalArgumentException("an instance head needs at least one prototype, got " + prototypes);
        }
    }

    /** The heatmap channels: one per garment class. */
    public int classes() {
        return garmentClasses.count();
    }

    /** The channel of coefficient k. */
    public int coefficient(int k) {
        return classes() + CenterNetTargets.REGRESSION_CHANNELS + k;
    }

    /** The channel of prototype k. */
    public int prototype(int k) {
        return classes() + CenterNetTargets.REGRESSION_CHANNELS + prototypes + k;
    }

    /** The channels after the detector's: coefficients and prototypes. */
    public int maskChannels() {
        return 2 * prototypes;
    }

    /** All channels. */
    public int total() {
        return classes() + CenterNetTargets.REGRESSION_CHANNELS + maskChannels();
    }
}
