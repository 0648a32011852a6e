package dev.moco.core.data.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.moco.core.data.ImageShape;
import dev.moco.api.kit.SplitMix64;
import java.util.List;
import org.junit.jupiter.api.Test;

class AugmentationPipelineTest {

    private static float[] image(ImageShape shape, long seed) {
        float[] px = new float[shape.length()];
        SplitMix64 rng = new SplitMix64(seed);
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rng.nextDouble();
        }
        return px;
    }

    private static float[] run(AugmentationPipeline pipeline, float[] src, long seed) {
        float[] out = new float[pipeline.outputShape().length()];
        pipeline.apply(src, 0, new SplitMix64(seed), new ImageBuffer(), out, 0);
        return out;
    }

    @Test
    void presetsFollowThePapers() {
        ImageShape rgb = new ImageShape(3, 32, 32);
        AugmentationPipeline v1 = AugmentationPreset.V1.pipeline(rgb, 24, 24, Normalize.IMAGENET);
        assertThat(v1.steps()).extracting(s -> s.getClass().getSimpleName()).containsExactly(
                "RandomResizedCrop", "RandomGrayscale", "ColorJitter", "RandomHorizontalFlip", "Normalize");
        assertThat(v1.toString()).contains("ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.4)")
                .contains("RandomGrayscale(p=0.2)").contains("scale=(0.2, 1.0)");
        assertThat(v1.outputShape()).isEqualTo(new ImageShape(3, 24, 24));

        AugmentationPipeline v2 = AugmentationPreset.V2.pipeline(rgb, Normalize.IMAGENET);
        assertThat(v2.toString())
                .contains("RandomApply(ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1), p=0.8)")
                .contains("RandomApply(GaussianBlur(sigma=[" + 0.1 * (32 / 224.0) + ", " + 2.0 * (32 / 224.0) + "]), p=0.5)")
                .contains("RandomGrayscale(p=0.2)")
                .contains("RandomHorizontalFlip(p=0.5)");
        assertThat(v2.outputShape()).isEqualTo(rgb);
        assertThat(AugmentationPreset.V2.pipeline(new ImageShape(3, 224, 224), Normalize.IMAGENET).toString())
                .contains("RandomApply(GaussianBlur(sigma=[0.1, 2.0]), p=0.5)");

        AugmentationPipeline none = AugmentationPreset.NONE.pipeline(rgb, Normalize.IMAGENET);
        assertThat(none.steps()).containsExactly(Normalize.IMAGENET);
        assertThat(AugmentationPreset.NONE.pipeline(rgb, 16, 16, Normalize.IMAGENET).steps().get(0))
                .isInstanceOf(Resize.class);
    }

    @Test
    void sameSeedSameViewAndOtherSeedOtherView() {
        ImageShape gray = new ImageShape(1, 28, 28);
        AugmentationPipeline v2 = AugmentationPreset.V2.pipeline(gray, Normalize.FASHION_MNIST);
        float[] src = image(gray, 1);
        float[] a = run(v2, src, 42);
        assertThat(run(v2, src, 42)).containsExactly(a);
        assertThat(run(v2, src, 43)).isNotEqualTo(a);
        assertThat(src).containsExactly(image(gray, 1)); // the source is untouched
    }

    @Test
    void noneOnlyNormalises() {
        ImageShape gray = new ImageShape(1, 4, 4);
        AugmentationPipeline none = AugmentationPreset.NONE.pipeline(gray, Normalize.FASHION_MNIST);
        float[] src = image(gray, 2);
        float[] out = run(none, src, 0);
        for (int i = 0; i < src.length; i++) {
            assertThat(out[i]).isCloseTo((src[i] - 0.2860f) / 0.3530f, within(1e-5f));
        }
    }

    @Test
    void grayPresetsWorkOnOneChannel() {
        ImageShape gray = new ImageShape(1, 28, 28);
        for (AugmentationPreset preset : AugmentationPreset.values()) {
            AugmentationPipeline p = preset.pipeline(gray, Normalize.FASHION_MNIST);
            float[] out = run(p, image(gray, 3), 5);
            float lo = (0 - 0.2860f) / 0.3530f;
            float hi = (1 - 0.2860f) / 0.3530f;
            for (float v : out) {
                assertThat(v).isBetween(lo - 1e-5f, hi + 1e-5f);
            }
        }
    }

    @Test
    void rejectsMismatchedNormalisationAndParsesNames() {
        assertThatThrownBy(() -> AugmentationPreset.V2.pipeline(new ImageShape(1, 8, 8), Normalize.IMAGENET))
                .hasMessageContaining("does not fit images of 1 channel");
        assertThat(AugmentationPreset.parse("V2")).isEqualTo(AugmentationPreset.V2);
        assertThat(AugmentationPreset.parse("aug+")).isEqualTo(AugmentationPreset.V2);
        assertThat(AugmentationPreset.parse(" none ")).isEqualTo(AugmentationPreset.NONE);
        assertThatThrownBy(() -> AugmentationPreset.parse("v3")).hasMessageContaining("unknown augmentation preset 'v3'");
        assertThat(new AugmentationPipeline(new ImageShape(1, 2, 2), List.of()).outputShape())
                .isEqualTo(new ImageShape(1, 2, 2));
    }
}
