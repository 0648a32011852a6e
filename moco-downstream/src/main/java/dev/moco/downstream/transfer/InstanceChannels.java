package dev.moco.downstream.transfer;

/**
 * The channels of an instance head's output [N, channels, h, w]: first the detector's
 * ({@code classes} heatmap logits, then the {@value CenterNetTargets#REGRESSION_CHANNELS} box
 * channels, as {@link CenterNetLoss} and {@link CenterNetDecoder} read them), then
 * {@code prototypes} mask coefficient logits and {@code prototypes} prototype masks
 * ({@link PrototypeMaskLoss}).
 *
 * @param classes heatmap channels
 * @param prototypes prototype masks, and coefficients per cell
 */
public record InstanceChannels(int classes, int prototypes) {

    public InstanceChannels {
        if (classes < 1 || prototypes < 1) {
            throw new IllegalArgumentException("an instance head needs at least one class and one prototype, got "
                    + classes + " and " + prototypes);
        }
    }

    /** The channel of coefficient k. */
    public int coefficient(int k) {
        return classes + CenterNetTargets.REGRESSION_CHANNELS + k;
    }

    /** The channel of prototype k. */
    public int prototype(int k) {
        return classes + CenterNetTargets.REGRESSION_CHANNELS + prototypes + k;
    }

    /** The channels after the detector's: coefficients and prototypes. */
    public int maskChannels() {
        return 2 * prototypes;
    }

    /** All channels. */
    public int total() {
        return classes + CenterNetTargets.REGRESSION_CHANNELS + maskChannels();
    }
}
