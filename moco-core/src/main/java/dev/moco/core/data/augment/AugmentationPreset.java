package dev.moco.core.data.augment;

import dev.moco.core.data.ImageShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The augmentation recipes of the MoCo papers, in the order of the reference code
 * ({@code main_moco.py}), ending with {@link Normalize}:
 * <ul>
 *   <li>{@link #V1} (He et al., arXiv:1911.05722): RandomResizedCrop(scale 0.2–1),
 *       RandomGrayscale(0.2), ColorJitter(0.4, 0.4, 0.4, 0.4), RandomHorizontalFlip;</li>
 *   <li>{@link #V2} "aug+" (Chen et al., arXiv:2003.04297): RandomResizedCrop(scale 0.2–1),
 *       ColorJitter(0.4, 0.4, 0.4, 0.1) with p = 0.8, RandomGrayscale(0.2),
 *       GaussianBlur(sigma 0.1–2.0 at 224 pixels, scaled to the view size) with p = 0.5, RandomHorizontalFlip;</li>
 *   <li>{@link #NONE}: only a resize (when the output size differs) and the normalisation,
 *       for evaluation and feature export.</li>
 * </ul>
 *
 * <pre>{@code
 * AugmentationPipeline aug = AugmentationPreset.parse("v2")
 *         .pipeline(new ImageShape(1, 28, 28), Normalize.FASHION_MNIST);
 * }</pre>
 */
public enum AugmentationPreset {
    V1,
    V2,
    NONE;

    /** The preset named {@code v1}, {@code v2} (or {@code aug+}) or {@code none}, any case. */
    public static AugmentationPreset parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "v1" -> V1;
            case "v2", "aug+", "augplus" -> V2;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("unknown augmentation preset '" + name
                    + "'; choose one of " + Arrays.toString(new String[] {"v1", "v2 (aug+)", "none"}));
        };
    }

    /** This recipe for inputs of {@code input}, with views of the same height and width. */
    public AugmentationPipeline pipeline(ImageShape input, Normalize normalize) {
        return pipeline(input, input.height(), input.width(), normalize);
    }

    /** This recipe for inputs of {@code input}, with views of {@code outputHeight x outputWidth}. */
    public AugmentationPipeline pipeline(ImageShape input, int outputHeight, int outputWidth,
            Normalize normalize) {
        List<Augmentation> steps = new ArrayList<>();
        switch (this) {
            case V1 -> {
                steps.add(new RandomResizedCrop(outputHeight, outputWidth));
                steps.add(new RandomGrayscale(0.2));
                steps.add(new ColorJitter(0.4, 0.4, 0.4, 0.4));
                steps.add(new RandomHorizontalFlip());
            }
            case V2 -> {
                steps.add(new RandomResizedCrop(outputHeight, outputWidth));
                steps.add(new RandomApply(new ColorJitter(0.4, 0.4, 0.4, 0.1), 0.8));
                steps.add(new RandomGrayscale(0.2));
                double scale = blurScale(outputHeight, outputWidth);
                steps.add(new RandomApply(new GaussianBlur(0.1 * scale, 2.0 * scale), 0.5));
                steps.add(new RandomHorizontalFlip());
            }
            case NONE -> {
                if (outputHeight != input.height() || outputWidth != input.width()) {
                    steps.add(new Resize(outputHeight, outputWidth));
                }
            }
            default -> throw new IllegalStateException(name());
        }
        steps.add(normalize);
        return new AugmentationPipeline(input, steps);
    }

    /**
     * MoCo v2's blur σ of 0.1–2.0 pixels is for 224-pixel crops; on smaller views it is
     * scaled by size/224 so that it blurs the same fraction of the image (σ 0.0125–0.25 at
     * 28×28, where 2 pixels would wipe out most of the content). At 224 it is the paper's.
     */
    static double blurScale(int outputHeight, int outputWidth) {
        return Math.min(outputHeight, outputWidth) / 224.0;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
